package io.junction.core.internal.route;

import io.junction.api.Connector;
import io.junction.api.ServerOption;
import java.net.InetSocketAddress;

/**
 * A compiled {@code server} line. Immutable.
 *
 * @param backend the backend (or listen) section it belongs to
 * @param name the server's name
 * @param address where to connect; port 0 means "the port the client connected to" (HAProxy:
 *        a server address without a port)
 * @param weight 0: reachable only through {@code use-server}; otherwise its share in the rotation
 * @param connector opens the connection
 * @param options the server options in {@link ServerOption#stage()} order
 * @param pendingReason why this server cannot be used yet (an option's bundle is missing), or null
 */
public record ServerTarget(String backend, String name, InetSocketAddress address, int weight, Connector connector,
        ServerOption[] options, String pendingReason) {

    public String id() {
        return backend + "/" + name;
    }

    @Override
    public String toString() {
        return id();
    }
}
