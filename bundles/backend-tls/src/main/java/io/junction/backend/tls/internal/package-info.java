/**
 * The backend TLS bundle's implementation: a DS component that registers a
 * {@link io.junction.api.ServerOptionProvider} for HAProxy's TLS keywords of the {@code server}
 * line ({@code ssl ca-file FILE sni EXPR ...}). Not exported: the core reaches it only through
 * that service.
 */
package io.junction.backend.tls.internal;
