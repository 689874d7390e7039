/**
 * The HTTP sniffer bundle's implementation: a DS component that registers
 * {@link io.junction.api.Sniffer} for the HTTP fetches ({@code hdr}, {@code req.hdr},
 * {@code hdr_cnt}, {@code path}, {@code url}, {@code base}, {@code method}, ...), which read the
 * well-known HTTP facts in both modes, and which reads a TCP connection's first request head in
 * place. Not exported: the core reaches it only through the service.
 */
package io.junction.sniffer.http.internal;
