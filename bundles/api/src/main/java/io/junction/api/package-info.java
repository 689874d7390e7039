/**
 * Junction's service provider interface: what the routing core and the plugin bundles
 * (listeners, sniffers, fetches, matchers, backends and server options) say to each other.
 *
 * <h2>Threads</h2>
 * Two kinds of thread call into plugins:
 * <ul>
 *   <li><b>config time</b>: the thread that compiles a configuration (a file watcher, the
 *       shell, a DS activation). Methods documented as config-time may block briefly (read a
 *       file) and may allocate freely. They report problems by throwing
 *       {@link io.junction.api.ConfigException}; the core prefixes the file and line.</li>
 *   <li><b>event loop</b>: the Netty event loop that owns the client connection. Methods
 *       documented as event-loop methods must never block, must not allocate needlessly, and
 *       must not retain the {@link io.netty.buffer.ByteBuf}s they are handed unless they say so.</li>
 * </ul>
 *
 * <h2>Service properties</h2>
 * Every plugin service announces the configuration keywords it serves as a service property
 * whose name is a constant on its interface ({@link io.junction.api.FetchProvider#FETCHES},
 * {@link io.junction.api.MatcherFactory#METHODS}, ...). The core compiles a configuration only
 * against the keywords present; a keyword nobody serves leaves its rule pending until a bundle
 * that serves it starts.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package io.junction.api;
