package io.junction.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.junction.api.Connector;
import io.junction.api.ListenerFactory;
import io.junction.core.internal.compile.Plugins;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live connections of a frontend that a reload removed: kept by default, closed when configured. */
class RemovedRouteTest {
    private EventLoopGroup group;
    private Router router;
    private ServerSocket echo;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread e = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (Exception ignored) {
                            // closed
                        }
                    });
                    e.setDaemon(true);
                    e.start();
                } catch (Exception closed) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (router != null) {
            router.stop();
        }
        echo.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private Plugins plugins() {
        ListenerFactory listener = request -> new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(request.childHandler()).childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .bind(request.address());
        Connector connector = request -> new Bootstrap().group(request.eventLoop()).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false).handler(request.handler()).connect(request.remote());
        return new Plugins(Map.of(), Map.of(), Map.of(), Map.of(), Map.of("tcp", connector), Map.of("tcp", listener),
                null, Map.of(), Map.of(), Map.of(), Map.of());
    }

    /** Opens a relayed connection through frontend "a", then replaces "a" with "b" in the file. */
    private Socket connectThenRemoveFrontend(long closeAfter) throws Exception {
        int portA = freePort();
        int portB = freePort();
        Path file = dir.resolve("r.cfg");
        Files.writeString(file, "listen a\n bind 127.0.0.1:" + portA + "\n server s 127.0.0.1:" + echo.getLocalPort() + "\n");
        Plugins p = plugins();
        router = new Router(List.of(file), 50, 100, 100, () -> p);
        router.removedRouteClose(closeAfter);
        router.start();
        Socket client = null;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (client == null) {
            try {
                client = new Socket(InetAddress.getLoopbackAddress(), portA);
            } catch (java.net.ConnectException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(20);
            }
        }
        client.setSoTimeout(10_000);
        client.getOutputStream().write('x');
        assertEquals('x', client.getInputStream().read(), "relayed before the reload");
        Files.writeString(file, "listen b\n bind 127.0.0.1:" + portB + "\n server s 127.0.0.1:" + echo.getLocalPort() + "\n");
        while (router.running().frontends().get(0).name().equals("a")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the reload did not happen");
            }
            Thread.sleep(20);
        }
        return client;
    }

    @Test
    void aRelayIdleInBothDirectionsIsClosedAnActiveOneIsNot() throws Exception {
        int port = freePort();
        Path file = dir.resolve("idle.cfg");
        // timeout client 400ms, timeout server 30s: data either way keeps both alive, so the
        // smaller limit closes an idle pair.
        Files.writeString(file, "listen a\n bind 127.0.0.1:" + port + "\n timeout client 400ms\n timeout server 30s\n"
                + " server s 127.0.0.1:" + echo.getLocalPort() + "\n");
        Plugins p = plugins();
        router = new Router(List.of(file), 50, 100, 100, () -> p);
        router.start();
        Socket client = null;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (client == null) {
            try {
                client = new Socket(InetAddress.getLoopbackAddress(), port);
            } catch (java.net.ConnectException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(20);
            }
        }
        try (Socket c = client) {
            c.setSoTimeout(10_000);
            // Active for three times the client timeout: one byte every 100 ms keeps it open.
            for (int i = 0; i < 12; i++) {
                c.getOutputStream().write('a' + i);
                assertEquals('a' + i, c.getInputStream().read(), "still relayed while active (round " + i + ")");
                Thread.sleep(100);
            }
            // Then silence: the router closes both sides.
            assertEquals(-1, c.getInputStream().read(), "closed once idle");
        }
        assertEquals(1L, router.counters().get("idle_timeout"));
    }

    @Test
    void byDefaultTheyKeepFlowing() throws Exception {
        try (Socket client = connectThenRemoveFrontend(-1)) {
            Thread.sleep(300);
            client.getOutputStream().write('y');
            assertEquals('y', client.getInputStream().read(), "still relayed after its frontend was removed");
        }
    }

    @Test
    void withJunctionRemovedCloseTheyAreClosedAfterTheGrace() throws Exception {
        try (Socket client = connectThenRemoveFrontend(100)) {
            assertEquals(-1, client.getInputStream().read(), "closed by the router after the grace");
        }
    }
}
