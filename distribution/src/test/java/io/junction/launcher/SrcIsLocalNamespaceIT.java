package io.junction.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5, acceptance 3, the remote half of {@code src_is_local}: a connection from another
 * host must not be local. The other host is a network namespace this test creates, joined to
 * the host by a veth pair:
 *
 * <pre>
 *   host: jtsh&lt;r&gt; 198.51.100.1/24  &lt;== veth ==&gt;  jtsn&lt;r&gt; 198.51.100.2/24 :namespace jt-src-&lt;r&gt;
 * </pre>
 *
 * Both addresses are in TEST-NET-2 (RFC 5737), a documentation range that no real network
 * uses; the link exists only for the test's duration and is deleted in {@link #cleanUp()}
 * whatever happens. bin/junction (the assembled distribution, with its default features, so
 * matcher-net and the PROXY protocol bundle are there) listens on 198.51.100.1 and routes
 * {@code src_is_local} to server {@code local}, the rest to {@code remote}; both servers are
 * backends of this test on 127.0.0.1. With {@code send-proxy}, each backend also learns from
 * the router's PROXY header which source address the router saw, and echoes it back.
 *
 * <p>Needs root (CAP_NET_ADMIN) and iproute2; skipped otherwise. CI runs as root.
 */
class SrcIsLocalNamespaceIT {

    private static final Path DIST = Path.of(System.getProperty("junction.dist", "target/junction")).toAbsolutePath();
    private static final Path BIN = DIST.resolve("bin/junction");
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String HOST_ADDRESS = "198.51.100.1";
    private static final String NS_ADDRESS = "198.51.100.2";

    @TempDir
    Path tmp;

    private final String suffix = randomSuffix();
    private final String namespace = "jt-src-" + suffix;
    private final String hostLink = "jtsh" + suffix;
    private final String nsLink = "jtsn" + suffix;
    private final List<Backend> backends = new ArrayList<>();
    private Process junction;
    private boolean namespaceCreated;
    private boolean linkAttempted;
    private Thread cleanupHook;

    @BeforeEach
    void requirements() throws Exception {
        assertTrue(Files.isExecutable(BIN), BIN + " is missing: run the package phase first");
        assumeTrue(isRoot(), "not root: creating a network namespace and a veth pair needs CAP_NET_ADMIN");
        assumeTrue(run("ip", "netns", "list").code == 0, "no usable 'ip netns' (iproute2)");
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (junction != null) {
                junction.destroy();
                if (!junction.waitFor(30, TimeUnit.SECONDS)) {
                    junction.destroyForcibly();
                    junction.waitFor(30, TimeUnit.SECONDS);
                }
            }
        } finally {
            backends.forEach(Backend::close);
            deleteNetwork();
            if (cleanupHook != null) {
                Runtime.getRuntime().removeShutdownHook(cleanupHook);
            }
        }
        LeakCheck.assertNoReports(tmp);
    }

    @Test
    void srcIsLocalIsFalseForAClientInAnotherNetworkNamespaceAndTrueForThisHost() throws Exception {
        createNetwork();
        Backend local = backend("local");
        Backend remote = backend("remote");
        int port = freePort();
        Path cfg = Files.writeString(tmp.resolve("src-is-local.cfg"), String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen src-is-local",
                "    bind " + HOST_ADDRESS + ":" + port,
                "    mode tcp",
                "    use-server local if src_is_local",
                "    server local 127.0.0.1:" + local.port() + " weight 0 send-proxy",
                "    server remote 127.0.0.1:" + remote.port() + " send-proxy",
                ""));
        Path log = tmp.resolve("junction.log");
        junction = start(List.of("-f", cfg.toString()), log);

        // Routes apply as plugins start: wait (bounded) until this host's connection is local.
        String fromHost = awaitHostAnswer(port, "local PROXY TCP4 " + HOST_ADDRESS + " " + HOST_ADDRESS + " ", log);
        // Before matcher-net started, the src_is_local rule was pending (skipped): the wait's
        // first connections may have reached 'remote'. Count from here.
        int remoteBefore = remote.accepted();

        for (int i = 0; i < 2; i++) {
            String fromNamespace = namespaceClient(port);
            assertTrue(fromNamespace.startsWith("remote PROXY TCP4 " + NS_ADDRESS + " " + HOST_ADDRESS + " "),
                    "a client in namespace " + namespace + " (" + NS_ADDRESS + ") is not local; got '" + fromNamespace
                            + "'\n" + read(log));
            assertTrue(fromNamespace.endsWith(" " + port), fromNamespace);
            fromHost = hostClient(port);
            assertTrue(fromHost.startsWith("local PROXY TCP4 " + HOST_ADDRESS + " " + HOST_ADDRESS + " "),
                    "a client on this host (" + HOST_ADDRESS + ") is local; got '" + fromHost + "'\n" + read(log));
        }
        assertEquals(remoteBefore + 2, remote.accepted(), "exactly the namespace's connections reached 'remote'");
    }

    // ------------------------------------------------------------------ network

    /** host side 198.51.100.1/24, namespace side 198.51.100.2/24; both links up. */
    private void createNetwork() throws Exception {
        // Registered before anything exists, so that an interrupted JVM still removes what exists.
        cleanupHook = new Thread(this::deleteNetworkQuietly, "jt-src-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanupHook);
        must("ip", "netns", "add", namespace);
        namespaceCreated = true;
        linkAttempted = true;
        must("ip", "link", "add", hostLink, "type", "veth", "peer", "name", nsLink);
        must("ip", "link", "set", nsLink, "netns", namespace);
        must("ip", "addr", "add", HOST_ADDRESS + "/24", "dev", hostLink);
        must("ip", "link", "set", hostLink, "up");
        must("ip", "-n", namespace, "addr", "add", NS_ADDRESS + "/24", "dev", nsLink);
        must("ip", "-n", namespace, "link", "set", nsLink, "up");
        // The host address must be usable before Junction binds it (IPv4 has no DAD; this
        // only waits for the link to come up).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!run("ip", "-o", "addr", "show", "dev", hostLink, "up").out.contains(HOST_ADDRESS)) {
            if (System.nanoTime() - deadline > 0) {
                fail(hostLink + " did not come up: " + run("ip", "addr", "show", "dev", hostLink));
            }
            Thread.sleep(50);
        }
    }

    private void deleteNetwork() throws Exception {
        if (namespaceCreated) {
            // Deleting the namespace destroys its end of the veth pair, and with it the host end.
            Result ns = run("ip", "netns", "del", namespace);
            namespaceCreated = ns.code != 0;
            assertEquals(0, ns.code, "could not delete namespace " + namespace + ": " + ns);
        }
        if (!linkAttempted) {
            return;
        }
        // Deleting the namespace's end takes the host end with it, asynchronously: wait (bounded)
        // for it to vanish, and delete it ourselves if it stays (e.g. it never got its peer moved).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (linkExists() && System.nanoTime() - deadline < 0) {
            Thread.sleep(50);
        }
        if (linkExists()) {
            run("ip", "link", "del", "dev", hostLink);
        }
        linkAttempted = linkExists();
        assertTrue(!linkAttempted, "could not delete " + hostLink + ": " + run("ip", "link", "show", "dev", hostLink));
    }

    private boolean linkExists() throws IOException, InterruptedException {
        return run("ip", "link", "show", "dev", hostLink).code == 0;
    }

    private void deleteNetworkQuietly() {
        try {
            deleteNetwork();
        } catch (Exception | AssertionError ignored) {
            // best effort at JVM exit
        }
    }

    // ------------------------------------------------------------------ clients

    /** One connection from inside the namespace (bash's /dev/tcp): the first line the server sent. */
    private String namespaceClient(int port) throws Exception {
        Result r = run("timeout", "20", "ip", "netns", "exec", namespace, "bash", "-c",
                "exec 3<>/dev/tcp/" + HOST_ADDRESS + "/" + port + " && head -n 1 <&3");
        assertEquals(0, r.code, "client in the namespace: " + r);
        return r.out.strip();
    }

    /** One connection from this host to 198.51.100.1 (so its source is 198.51.100.1 too). */
    private static String hostClient(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(15_000);
            s.connect(new InetSocketAddress(InetAddress.getByName(HOST_ADDRESS), port), 5_000);
            return readLine(s.getInputStream());
        }
    }

    private static String awaitHostAnswer(int port, String prefix, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            try {
                last = hostClient(port);
                if (last.startsWith(prefix)) {
                    return last;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        fail("no '" + prefix + "...' from " + HOST_ADDRESS + ":" + port + " within 90 s; last: " + last + "\n" + read(log));
        return last;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        try {
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("no line within 15 s; got '" + line + "'");
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    // ------------------------------------------------------------------ backends

    private Backend backend(String name) throws IOException {
        Backend b = new Backend(name);
        backends.add(b);
        return b;
    }

    /**
     * A server on 127.0.0.1 that reads the PROXY v1 line the router sends first and answers
     * {@code "<name> <that line>\n"}, then closes.
     */
    private static final class Backend implements AutoCloseable {
        private final String name;
        private final ServerSocket server;
        private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

        Backend(String name) throws IOException {
            this.name = name;
            this.server = new ServerSocket(0, 50, LOOPBACK);
            Thread t = new Thread(this::loop, "backend-" + name);
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        private void loop() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    accepted.incrementAndGet();
                    s.setSoTimeout(10_000);
                    String header = readLine(s.getInputStream()).replace("\r", "");
                    s.getOutputStream().write((name + " " + header + "\n").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    // closed, or a client that went away: next
                }
            }
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    // ------------------------------------------------------------------ processes

    private record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + ", stdout '" + out.strip() + "', stderr '" + err.strip() + "'";
        }
    }

    private Process start(List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(BIN.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("TMPDIR", tmp.toString());
        LeakCheck.paranoid(pb);
        pb.directory(tmp.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private Result run(String... command) throws IOException, InterruptedException {
        // Not in @TempDir: the shutdown hook may run this after JUnit deleted it.
        Path out = Files.createTempFile("jt-src-cmd", ".out");
        Path err = Files.createTempFile("jt-src-cmd", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                return new Result(-1, read(out), read(err) + " (killed after 30 s)");
            }
            return new Result(p.exitValue(), read(out), read(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private void must(String... command) throws IOException, InterruptedException {
        Result r = run(command);
        assertEquals(0, r.code, String.join(" ", command) + ": " + r);
    }

    /** Six hex digits: interface names stay within Linux's 15 characters (jtsh + 6). */
    private static String randomSuffix() {
        byte[] b = new byte[3];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // effective uid
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
