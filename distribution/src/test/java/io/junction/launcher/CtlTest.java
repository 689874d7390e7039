package io.junction.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** bin/junction ctl against a stand-in command socket: finding the instance, the protocol, exit codes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CtlTest {

    @TempDir
    Path tmp;

    private final Path home = Path.of("/opt/junction");
    private final Path cwd = Path.of("/work");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<FakeInstance> instances = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException, IOException {
        for (FakeInstance i : instances) {
            i.close();
        }
    }

    /** Answers every connection with a fixed reply and remembers the lines it got. */
    private final class FakeInstance implements AutoCloseable {
        final ServerSocketChannel server;
        final Thread thread;
        final List<String> lines = new ArrayList<>();

        FakeInstance(Path socket, String reply) throws IOException {
            Files.createDirectories(socket.getParent());
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            thread = new Thread(() -> {
                while (true) {
                    SocketChannel accepted;
                    try {
                        accepted = server.accept();
                    } catch (IOException closed) {
                        return;
                    }
                    // A probe (connect, close) must not end the fake: errors per connection are ignored.
                    try (SocketChannel c = accepted) {
                        ByteBuffer b = ByteBuffer.allocate(9000);
                        while (c.read(b) >= 0 && b.hasRemaining()) {
                            // until the client half-closes
                        }
                        b.flip();
                        String got = StandardCharsets.UTF_8.decode(b).toString();
                        if (!got.isEmpty()) {
                            synchronized (lines) {
                                lines.add(got);
                            }
                        }
                        c.write(StandardCharsets.UTF_8.encode(reply));
                    } catch (IOException e) {
                        // next connection
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
            instances.add(this);
        }

        List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private int run(String... args) {
        return Ctl.run(args, cwd, tmp, "alice", home, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void findsTheInstanceOfTheSameConfigFilesAndPrintsTheAnswer() throws IOException {
        Path state = StateDirectory.defaultFor(tmp, "alice", home, List.of(Path.of("/work/etc/a.cfg"), Path.of("/etc/b.cfg")));
        FakeInstance i = new FakeInstance(state.resolve("junction.sock"), "junction-ctl 0\nfrontend web\n  server app1\n");

        int code = run("-f", "etc/a.cfg", "--config=/etc/b.cfg", "routes");

        assertEquals(0, code, err());
        assertEquals("frontend web\n  server app1\n", out());
        assertEquals(List.of("routes\n"), i.lines());
    }

    @Test
    void stateDirAndSocketOptions() throws IOException {
        Path state = tmp.resolve("var-lib-junction");
        FakeInstance i = new FakeInstance(state.resolve("junction.sock"), "junction-ctl 0\nok\n");

        assertEquals(0, run("--state", state.toString(), "connections", "-n", "5"));
        assertEquals(0, run("--socket=" + state.resolve("junction.sock"), "counters"));
        assertEquals(List.of("connections -n 5\n", "counters\n"), i.lines());
    }

    @Test
    void theOnlyRunningInstanceIsFoundWithoutOptions() throws IOException {
        Path state = StateDirectory.defaultFor(tmp, "alice", home, List.of(Path.of("/x.cfg")));
        FakeInstance i = new FakeInstance(state.resolve("junction.sock"), "junction-ctl 0\n");
        // A stale socket file of a killed instance, and another user's instance, do not count.
        Path stale = StateDirectory.defaultFor(tmp, "alice", home, List.of(Path.of("/old.cfg"))).resolve("junction.sock");
        ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        gone.bind(UnixDomainSocketAddress.of(createParent(stale)));
        gone.close();
        new FakeInstance(StateDirectory.defaultFor(tmp, "bob", home, List.of(Path.of("/x.cfg"))).resolve("junction.sock"),
                "junction-ctl 1\n");

        assertEquals(0, run("reload"), err());
        assertEquals(List.of("reload\n"), i.lines());
    }

    private static Path createParent(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        return p;
    }

    @Test
    void severalRunningInstancesNeedAChoice() throws IOException {
        new FakeInstance(StateDirectory.defaultFor(tmp, "alice", home, List.of(Path.of("/x.cfg"))).resolve("junction.sock"), "junction-ctl 0\n");
        new FakeInstance(StateDirectory.defaultFor(tmp, "alice", home, List.of(Path.of("/y.cfg"))).resolve("junction.sock"), "junction-ctl 0\n");

        assertEquals(1, run("routes"));
        assertTrue(err().contains("several running instances"), err());
    }

    @Test
    void aFailedCommandExitsOneWithItsOutput() throws IOException {
        Path state = tmp.resolve("s");
        new FakeInstance(state.resolve("junction.sock"), "junction-ctl 1\n/x.cfg:3: unknown keyword\nerror: reload failed\n");

        assertEquals(1, run("--state", state.toString(), "reload"));
        assertEquals("/x.cfg:3: unknown keyword\nerror: reload failed\n", out());
    }

    @Test
    void anAnswerWithoutStatusIsAFailure() throws IOException {
        Path state = tmp.resolve("s");
        new FakeInstance(state.resolve("junction.sock"), "");

        assertEquals(1, run("--state", state.toString(), "routes"));
        assertTrue(err().contains("without an answer"), err());
    }

    @Test
    void noInstanceExitsOne() {
        assertEquals(1, run("--state", tmp.resolve("nothing").toString(), "routes"));
        assertTrue(err().contains("no junction instance answers"), err());

        assertEquals(1, run("routes"));
        assertTrue(err().contains("no running junction instance of alice"), err());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run());
        assertEquals(2, run("--state", "/a"));
        assertEquals(2, run("--frobnicate", "routes"));
        assertEquals(2, run("--state", "/a", "-f", "b.cfg", "routes"));
        assertEquals(2, run("--timeout", "soon", "routes"));
        assertTrue(err().contains("usage: junction ctl"), err());
        assertEquals(0, run("--help"));
    }

    @Test
    void wordsAreQuotedForGogoAndCheckFilesMadeAbsolute() throws Exception {
        assertEquals("connections -n 5", Ctl.commandLine(List.of("connections", "-n", "5"), cwd));
        assertEquals("junction:check /work/etc/a.cfg /etc/b.cfg",
                Ctl.commandLine(List.of("junction:check", "etc/a.cfg", "/etc/b.cfg"), cwd));
        assertEquals("check '/work/my file.cfg'", Ctl.commandLine(List.of("check", "my file.cfg"), cwd));
        assertEquals("echo '$x {y}'", Ctl.commandLine(List.of("echo", "$x {y}"), cwd));
        assertThrows(CommandLine.UsageException.class, () -> Ctl.commandLine(List.of("echo", "it's {x}"), cwd));
        assertThrows(CommandLine.UsageException.class, () -> Ctl.commandLine(List.of("echo", "a\nb"), cwd));
    }
}
