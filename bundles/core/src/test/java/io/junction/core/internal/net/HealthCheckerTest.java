package io.junction.core.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.Connector;
import io.junction.core.internal.compile.ConfigCompiler;
import io.junction.core.internal.compile.Plugins;
import io.junction.core.internal.config.HaproxyConfigReader;
import io.junction.core.internal.route.CompiledConfig;
import io.junction.core.internal.route.ServerTarget;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health checks against real servers on loopback, through a real NIO connector. */
class HealthCheckerTest {
    private EventLoopGroup group;
    private final HealthChecker checker = new HealthChecker();

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterEach
    void stop() throws Exception {
        checker.stop();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    }

    private static final Connector NIO = request -> new Bootstrap().group(request.eventLoop())
            .channel(NioSocketChannel.class).option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, request.connectTimeoutMillis())
            .handler(request.handler()).connect(request.remote());

    private ServerTarget compile(String cfg) throws IOException {
        Path file = dir.resolve("h.cfg");
        Files.writeString(file, cfg);
        HaproxyConfigReader.Result read = HaproxyConfigReader.read(List.of(file));
        Plugins plugins = new Plugins(Map.of(), Map.of(), Map.of(), Map.of(), Map.of("tcp", NIO),
                Map.of("tcp", request -> { throw new UnsupportedOperationException(); }), null, Map.of(), Map.of(),
                Map.of(), Map.of());
        CompiledConfig c = ConfigCompiler.compile(read.sections(), read.problems(), plugins);
        assertEquals(List.of(), c.problems());
        checker.update(c, group);
        return c.frontends().get(0).defaultBackend().servers().get(0);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        // Waiting for an event, bounded; not a timing assertion.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void tcpCheckTakesAStoppedServerDownAndBringsItBack() throws Exception {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        int port = server.getLocalPort();
        Thread acceptor = acceptLoop(server, null);
        ServerTarget s = compile("listen x\n bind :1\n timeout check 5s\n server a 127.0.0.1:" + port + " check inter 50 rise 2 fall 2\n");
        await(() -> s.state().lastCheck().equals("TCP connect ok"), "a successful check");
        assertTrue(s.state().up());
        server.close();
        acceptor.join(2000);
        await(() -> !s.state().up(), "the server to go down");
        assertTrue(s.state().lastCheck().contains("Connection refused") || s.state().lastCheck().contains("refused"),
                s.state().lastCheck());
        ServerSocket again = new ServerSocket();
        again.setReuseAddress(true);
        again.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        Thread acceptor2 = acceptLoop(again, null);
        await(() -> s.state().up(), "the server to come back up");
        again.close();
        acceptor2.join(2000);
    }

    @Test
    void httpCheckNeedsA2xxOr3xxStatus() throws Exception {
        AtomicReference<String> status = new AtomicReference<>("HTTP/1.0 503 Service Unavailable");
        AtomicReference<String> request = new AtomicReference<>();
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = acceptLoop(server, socket -> {
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[512];
            int n = in.read(buf);
            request.set(new String(buf, 0, Math.max(n, 0), StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            out.write((status.get() + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        });
        ServerTarget s = compile("listen x\n bind :1\n timeout check 5s\n option httpchk GET /health\n server a 127.0.0.1:"
                + server.getLocalPort() + " check inter 50 rise 1 fall 1\n");
        await(() -> !s.state().up(), "a 503 to take the server down");
        assertEquals("HTTP check: status 503", s.state().lastCheck());
        assertTrue(request.get().startsWith("GET /health HTTP/1.0\r\n"), request.get());
        status.set("HTTP/1.1 200 OK");
        await(() -> s.state().up(), "a 200 to bring it up");
        assertFalse(s.state().lastCheck().contains("503"));
        server.close();
        acceptor.join(2000);
    }

    interface Answer {
        void answer(Socket s) throws IOException;
    }

    private static Thread acceptLoop(ServerSocket server, Answer answer) {
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    if (answer != null) {
                        answer.answer(s);
                    }
                } catch (IOException e) {
                    // closed
                }
            }
        }, "check-target");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
