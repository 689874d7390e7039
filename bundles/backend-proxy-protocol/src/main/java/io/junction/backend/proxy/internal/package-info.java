/**
 * The PROXY protocol bundle's implementation: DS components that register
 * {@link io.junction.api.ServerOptionProvider} ({@code send-proxy}, {@code send-proxy-v2},
 * {@code send-proxy-v2-ssl}, {@code send-proxy-v2-ssl-cn}, {@code proxy-v2-options}),
 * {@link io.junction.api.BindOptionProvider} ({@code accept-proxy}) and
 * {@link io.junction.api.ConnectionActionProvider} ({@code expect-proxy}). Encoding and decoding
 * are Netty's codec-haproxy. Not exported: the core reaches them only through their services.
 *
 * <p>Specification: "The PROXY protocol, Versions 1 &amp; 2", HAProxy Technologies, 2020/03/05
 * revision, https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt (cited below as
 * "spec" with its section numbers).
 */
package io.junction.backend.proxy.internal;
