/**
 * The network matcher bundle's implementation: DS components that register
 * {@link io.junction.api.MatcherFactory} for the {@code ip} match method and
 * {@link io.junction.api.FetchProvider} for {@code src_is_local}. Not exported: the core reaches
 * them only through their services.
 */
package io.junction.matcher.net.internal;
