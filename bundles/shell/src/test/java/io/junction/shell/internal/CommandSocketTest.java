package io.junction.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.RouterAdmin.ConnectionInfo;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command socket end to end: a real UNIX domain socket on a temporary path, command lines
 * run through Gogo's real CommandProcessorImpl with the junction commands against a fake core.
 * Every test is bounded by {@link Timeout}; none asserts how long anything took.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CommandSocketTest {

    private static ThreadIOImpl threadIO;
    private static CommandProcessorImpl processor;
    private static final FakeRouterAdmin ADMIN = new FakeRouterAdmin();

    @TempDir
    Path dir;

    private final List<CommandSocket> sockets = new ArrayList<>();

    @BeforeAll
    static void gogo() {
        threadIO = new ThreadIOImpl();
        threadIO.start();
        processor = new CommandProcessorImpl(threadIO);
        JunctionShell shell = new JunctionShell(ADMIN, null);
        for (String f : List.of("routes", "connections", "counters", "problems", "reload", "check", "features",
                "install", "uninstall")) {
            processor.addCommand("junction", shell, f);
        }
        LinkedHashMap<String, Long> counters = new LinkedHashMap<>();
        counters.put("routed", 41L);
        counters.put("accepted", 42L);
        ADMIN.counters = counters;
        ADMIN.routes = List.of("frontend https-server", "  server default 127.0.0.1:9443 weight 1");
        ADMIN.connections = List.of(new ConnectionInfo("https-server", "/127.0.0.1:40001", "default", 10),
                new ConnectionInfo("https-server", "/127.0.0.1:40002", "default", 20),
                new ConnectionInfo("https-server", "/127.0.0.1:40003", "default", 30));
        ADMIN.reload = List.of("/x.cfg:2: unknown keyword 'frobnicate'", "configuration rejected; the running configuration stays");
    }

    @AfterAll
    static void stopGogo() {
        processor.stop();
        threadIO.stop();
    }

    @AfterEach
    void close() {
        sockets.forEach(CommandSocket::close);
    }

    private CommandSocket start(LineExecutor executor, long timeoutMillis) throws IOException {
        CommandSocket s = CommandSocket.start(dir.resolve("junction.sock"), executor, timeoutMillis);
        sockets.add(s);
        return s;
    }

    private CommandSocket startGogo() throws IOException {
        return start(new GogoLineExecutor(processor), 30_000);
    }

    /** Sends bytes, half-closes, reads the whole answer until the server closes. */
    private static String send(Path socket, byte[] request) throws IOException {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ByteBuffer b = ByteBuffer.wrap(request);
            try {
                while (b.hasRemaining()) {
                    c.write(b);
                }
                c.shutdownOutput();
            } catch (IOException serverClosedEarly) {
                // The server may refuse before reading everything: its answer is still there.
            }
            return readAll(c);
        }
    }

    private static String send(Path socket, String line) throws IOException {
        return send(socket, (line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String readAll(SocketChannel c) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        try {
            while (c.read(buf) >= 0) {
                if (!buf.hasRemaining()) {
                    break;
                }
            }
        } catch (IOException reset) {
            // Closed by the server: what arrived is the answer.
        }
        buf.flip();
        return StandardCharsets.UTF_8.decode(buf).toString();
    }

    @Test
    void countersRoundTripThroughGogo() throws IOException {
        CommandSocket s = startGogo();

        String answer = send(s.path(), "junction:counters");

        assertEquals("junction-ctl 0\naccepted 42\nrouted 41\n", answer);
    }

    @Test
    void unscopedNamesAndOptionsWork() throws IOException {
        CommandSocket s = startGogo();

        assertEquals("junction-ctl 0\nfrontend https-server\n  server default 127.0.0.1:9443 weight 1\n",
                send(s.path(), "routes"));
        String two = send(s.path(), "connections -n 2");
        assertTrue(two.startsWith("junction-ctl 0\nhttps-server /127.0.0.1:40001 -> default 10 ms\n"), two);
        assertTrue(two.contains("first 2 shown"), two);
        assertFalse(two.contains("40003"), two);
        assertTrue(send(s.path(), "junction:connections").contains("40003"), "default limit 100");
    }

    @Test
    void aFailedCommandAnswersStatusOneWithItsOutput() throws IOException {
        CommandSocket s = startGogo();

        String answer = send(s.path(), "junction:reload");

        assertTrue(answer.startsWith("junction-ctl 1\n/x.cfg:2: unknown keyword 'frobnicate'\n"
                + "configuration rejected; the running configuration stays\n"), answer);
        assertTrue(answer.contains("error: reload: the configuration was not applied"), answer);
    }

    @Test
    void anUnknownCommandFails() throws IOException {
        CommandSocket s = startGogo();

        String answer = send(s.path(), "junction:frobnicate");

        assertTrue(answer.startsWith("junction-ctl 1\nerror: "), answer);
    }

    @Test
    void socketFileIsPrivateAndRemovedOnClose() throws IOException {
        CommandSocket s = startGogo();

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.path())));
        s.close();
        assertFalse(Files.exists(s.path()));
        assertThrows(IOException.class, () -> SocketChannel.open(UnixDomainSocketAddress.of(s.path())).close());
    }

    @Test
    void anOversizedLineIsRefusedAndClosedWithoutRunningIt() throws IOException {
        List<String> ran = new ArrayList<>();
        CommandSocket s = start((line, max) -> {
            ran.add(line);
            return new LineExecutor.Reply(true, "");
        }, 30_000);
        byte[] big = new byte[CommandSocket.MAX_LINE_BYTES + 100];
        Arrays.fill(big, (byte) 'a');

        String answer = send(s.path(), big);

        assertEquals("junction-ctl 1\nerror: command line longer than 8192 bytes\n", answer);
        assertTrue(ran.isEmpty());
        // The socket still serves the next client.
        assertEquals("junction-ctl 0\n", send(s.path(), "ok"));
        assertEquals(List.of("ok"), ran);
    }

    @Test
    void aLineOfExactlyTheLimitIsAccepted() throws IOException {
        List<String> ran = new ArrayList<>();
        CommandSocket s = start((line, max) -> {
            ran.add(line);
            return new LineExecutor.Reply(true, "fine\n");
        }, 30_000);

        assertEquals("junction-ctl 0\nfine\n", send(s.path(), "b".repeat(CommandSocket.MAX_LINE_BYTES)));
        assertEquals(CommandSocket.MAX_LINE_BYTES, ran.get(0).length());
    }

    @Test
    void badInputIsRefused() throws IOException {
        List<String> ran = new ArrayList<>();
        CommandSocket s = start((line, max) -> {
            ran.add(line);
            return new LineExecutor.Reply(true, "");
        }, 30_000);

        assertEquals("junction-ctl 1\nerror: the command line is not valid UTF-8\n",
                send(s.path(), new byte[] {'l', 'b', (byte) 0xC3, (byte) 0x28, '\n'}));
        assertEquals("junction-ctl 1\nerror: control character in the command line\n",
                send(s.path(), new byte[] {'l', 'b', 0x1b, '\n'}));
        assertEquals("junction-ctl 1\nerror: no command line received\n", send(s.path(), new byte[0]));
        assertEquals("junction-ctl 1\nerror: empty command line\n", send(s.path(), "   "));
        assertTrue(ran.isEmpty(), ran.toString());
        // A line ended by closing the write side, with CRLF-style input elsewhere, runs.
        assertEquals("junction-ctl 0\n", send(s.path(), "routes".getBytes(StandardCharsets.UTF_8)));
        assertEquals("junction-ctl 0\n", send(s.path(), "counters\r\nignored".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("routes", "counters"), ran);
    }

    @Test
    void anIdleClientIsClosedByTheTimeout() throws IOException {
        CommandSocket s = start((line, max) -> new LineExecutor.Reply(true, ""), 300);

        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(s.path()))) {
            // Sends nothing: the server must close (read returns EOF or a reset), bounded by @Timeout.
            assertEquals("", readAll(c));
        }
    }

    @Test
    void moreClientsThanTheLimitAreToldBusy() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(CommandSocket.MAX_CLIENTS);
        CommandSocket s = start((line, max) -> {
            running.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new LineExecutor.Reply(true, "done\n");
        }, 30_000);
        List<SocketChannel> held = new ArrayList<>();
        try {
            for (int i = 0; i < CommandSocket.MAX_CLIENTS; i++) {
                SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(s.path()));
                c.write(ByteBuffer.wrap("slow\n".getBytes(StandardCharsets.UTF_8)));
                held.add(c);
            }
            assertTrue(running.await(30, TimeUnit.SECONDS), "the first clients' commands run");

            assertTrue(send(s.path(), "one more").startsWith("junction-ctl 1\nbusy: "));

            release.countDown();
            for (SocketChannel c : held) {
                assertEquals("junction-ctl 0\ndone\n", readAll(c));
            }
        } finally {
            release.countDown();
            for (SocketChannel c : held) {
                c.close();
            }
        }
    }

    @Test
    void aStaleSocketFileIsReplacedButALiveOneIsNot() throws IOException {
        Path path = dir.resolve("junction.sock");
        // A socket file nobody listens on any more (a killed instance).
        ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        old.bind(UnixDomainSocketAddress.of(path));
        ServerSocketChannel live = null;
        old.close();
        assertTrue(Files.exists(path));
        CommandSocket s = startGogo();
        assertEquals("junction-ctl 0\naccepted 42\nrouted 41\n", send(s.path(), "counters"));
        s.close();

        live = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            live.bind(UnixDomainSocketAddress.of(path));
            IOException e = assertThrows(IOException.class, this::startGogo);
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
            assertTrue(Files.exists(path), "a live socket is left alone");
        } finally {
            live.close();
        }
    }

    @Test
    void aRegularFileIsNeverReplaced() throws IOException {
        Files.writeString(dir.resolve("junction.sock"), "precious");

        assertThrows(IOException.class, this::startGogo);

        assertEquals("precious", Files.readString(dir.resolve("junction.sock")));
    }

    @Test
    void outputBeyondTheBoundIsDroppedAndSaid() {
        BoundedOutput out = new BoundedOutput(10);
        byte[] data = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        out.write(data, 0, data.length);
        out.write('x');

        assertEquals("0123456789\n(output truncated: 7 more bytes)\n", out.text());
    }

    @Test
    void socketPathAndTimeoutProperties() {
        assertEquals(Path.of("/var/lib/junction/junction.sock"),
                CommandSocketComponent.socketPath(null, "/var/lib/junction"));
        assertEquals(Path.of("/run/j.sock"), CommandSocketComponent.socketPath("/run/j.sock", "/var/lib/junction"));
        assertEquals(null, CommandSocketComponent.socketPath("none", "/var/lib/junction"));
        assertEquals(null, CommandSocketComponent.socketPath(null, null));
        assertEquals(60_000, CommandSocketComponent.timeout(null));
        assertEquals(60_000, CommandSocketComponent.timeout("soon"));
        assertEquals(5_000, CommandSocketComponent.timeout("5000"));
    }
}
