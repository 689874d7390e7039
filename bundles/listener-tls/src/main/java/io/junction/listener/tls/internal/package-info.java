/**
 * The TLS listener bundle's implementation: DS components that register a
 * {@link io.junction.api.BindOptionProvider} for HAProxy's TLS bind keywords ({@code ssl crt
 * FILE|DIR alpn ... strict-sni}) and a {@link io.junction.api.FetchProvider} for
 * {@code ssl_fc_sni}, {@code ssl_fc_alpn} and {@code ssl_fc_protocol}. Not exported: the core
 * reaches it only through those services.
 */
package io.junction.listener.tls.internal;
