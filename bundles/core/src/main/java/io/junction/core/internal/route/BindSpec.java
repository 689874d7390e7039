package io.junction.core.internal.route;

import io.junction.api.BindOption;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;

/**
 * A compiled {@code bind} line.
 *
 * @param key identifies the listening socket across reloads: the same key keeps the same socket
 *        (live connections and the accept queue are untouched), a new key opens a new one
 * @param address where to listen
 * @param family the socket family ({@code ipv4@} forces INET, {@code ipv6@} INET6)
 * @param v6only see {@link io.junction.api.BindRequest#v6only()}
 * @param options compiled bind options, in the order written
 * @param terminatesTls whether an option terminates TLS ({@code ssl_fc} true on its connections)
 * @param location {@code file:line}
 */
public record BindSpec(String key, InetSocketAddress address, StandardProtocolFamily family, Boolean v6only,
        BindOption[] options, boolean terminatesTls, String location) {
}
