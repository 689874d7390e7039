/**
 * The TLS sniffer bundle's implementation: a DS component that registers
 * {@link io.junction.api.Sniffer} for the {@code req.ssl_*} fetches and parses the client's
 * ClientHello in place. Not exported: the core reaches it only through the service.
 */
package io.junction.sniffer.tls.internal;
