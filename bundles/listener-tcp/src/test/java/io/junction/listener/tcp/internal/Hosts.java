package io.junction.listener.tcp.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.stream.Stream;

/** What this host offers, for parameterising and skipping tests. */
final class Hosts {
    private Hosts() {
    }

    /** The transports this host can run: NIO always, epoll and io_uring where present. */
    static Stream<TransportKind> availableKinds() {
        return Arrays.stream(TransportKind.values()).filter(TransportKind::isAvailable);
    }

    /** Whether ::1 can be bound (IPv6 is enabled on loopback). */
    static boolean hasIpv6Loopback() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
