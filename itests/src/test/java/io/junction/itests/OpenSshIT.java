package io.junction.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.junction.api.RouterAdmin;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Issue 7, acceptance 1: a real OpenSSH client reaches a real sshd through the same Junction port
 * on which TLS clients are routed by SNI, once by the banner rule ({@code use-server ssh if {
 * req.ssh_proto -m found }}) and once by the default-after-inspect-delay route that server-first
 * clients take.
 *
 * <p>sshd runs as the current user from a temporary directory: its own host key, an
 * authorized_keys with a temporary client key, {@code StrictModes no}, {@code UsePAM no}, listening
 * on 127.0.0.1 only, logging to a file ({@code -D -e}). Run as root (CI), sshd needs its privilege
 * separation directory {@code /run/sshd}; the test creates it when missing and removes it again.
 * The tests are skipped (reported as failed assumptions by {@link RequiresOpenSsh}, which then
 * does not even boot the framework) only when sshd, ssh or ssh-keygen cannot be found:
 * {@code .ci/run} installs openssh-server and openssh-client.
 */
@RunWith(RequiresOpenSsh.class)
@ExamReactorStrategy(PerClass.class)
public class OpenSshIT extends JunctionItSupport {

    private static final String MARKER = "routed-through-junction";
    private static final Path PRIVSEP_DIR = Paths.get("/run/sshd");
    /** Bound on every process the test runs (ssh-keygen, ssh). */
    private static final long PROCESS_WAIT_SECONDS = 30;

    private Path sshdBinary;
    private Path sshBinary;
    private Path keygenBinary;
    private Path dir;
    private Process sshd;
    private int sshdPort;
    private boolean createdPrivsepDir;
    private TlsBackend app1;
    private TlsBackend app2;
    private TlsBackend fallback;
    private int routerPort;

    @Configuration
    public Option[] configuration() {
        // The SSH sniffer is provisioned here (HotSwapIT installs it at runtime instead).
        return OptionUtils.combine(junctionOptions(OpenSshIT.class), fileBundle("junction-sniffer-ssh"));
    }

    @Before
    public void setUp() throws Exception {
        installLeakGuard();
        // RequiresOpenSsh (the runner) skips the class when a tool is missing, so they are here.
        sshdBinary = OpenSsh.sshd();
        sshBinary = OpenSsh.ssh();
        keygenBinary = OpenSsh.sshKeygen();
        assertNull(OpenSsh.missing(), OpenSsh.missing());
        app1 = tlsBackend("app1");
        app2 = tlsBackend("app2");
        fallback = tlsBackend("default");
        routerPort = freePort();
        startSshd();
    }

    @After
    public void tearDown() throws Exception {
        try {
            stopSshd();
        } finally {
            try {
                deleteTree(dir);
                if (createdPrivsepDir) {
                    Files.deleteIfExists(PRIVSEP_DIR);
                }
            } finally {
                closeAllAndCheckLeaks();
            }
        }
    }

    /**
     * {@code ssh -p JUNCTION_PORT} reaches sshd by the banner rule (the default server here is a
     * TLS backend, so only the rule can get ssh to sshd); TLS on the same port routes by SNI.
     */
    @Test
    public void opensshReachesSshdByBannerOnTheTlsPort() throws Exception {
        writeConfig(config(true, "5s"));
        awaitTlsRoute(routerPort, "app1.example.com", app1);
        awaitTlsRoute(routerPort, "app2.example.com", app2);
        awaitTlsRoute(routerPort, null, fallback);

        assertEquals("ssh through Junction (banner rule) runs the command on sshd", MARKER, runSsh(routerPort));
        assertTrue("sshd logged the login: " + sshdLog(), sshdLog().contains("Accepted publickey for " + user()));

        // TLS still routes by SNI after SSH went through.
        try (TlsClient client = tlsClient(routerPort, "app2.example.com")) {
            assertEquals(app2.subject(), client.peerSubject());
            assertEquals("app2: after ssh", client.ask("after ssh"));
        }
    }

    /**
     * No SSH rule; sshd is the default server. A client that waits for the server's banner sends
     * nothing: the router waits for the inspect delay (the SNI rules need a ClientHello), then
     * connects the default server, whose {@code SSH-2.0-} banner the client receives. A real ssh
     * client behind a shim that holds its bytes back until the server spoke completes a login
     * the same way.
     */
    @Test
    public void serverFirstClientReachesSshdAsTheDefaultAfterInspectDelay() throws Exception {
        writeConfig(config(false, "2s"));
        awaitTlsRoute(routerPort, "app1.example.com", app1);
        awaitTlsRoute(routerPort, "app2.example.com", app2);

        long timeoutsBefore = inspectTimeouts();
        Socket silent = connectPlain(routerPort);
        silent.setSoTimeout(1_000);
        try {
            int early = silent.getInputStream().read();
            fail("within the first second of a 2 s inspect delay nothing may arrive (the router must "
                    + "wait for a ClientHello before falling back to the default server); got byte " + early);
        } catch (SocketTimeoutException expected) {
            // still inspecting
        }
        silent.setSoTimeout(SOCKET_TIMEOUT_MS);
        String banner = new BufferedReader(new InputStreamReader(silent.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
        assertNotNull("the default server (sshd) must greet the silent client after the inspect delay", banner);
        assertTrue("sshd's identification string (RFC 4253 section 4.2), got: " + banner,
                banner.startsWith("SSH-2.0-"));
        assertEquals("the silent client was routed because the inspect delay ended (counter inspect_timeout)",
                timeoutsBefore + 1, inspectTimeouts());

        try (WaitingClientShim shim = WaitingClientShim.start(routerPort)) {
            assertEquals("ssh through a server-first shim and Junction's default route runs the command", MARKER,
                    runSsh(shim.port()));
            assertTrue("the shim held the ssh client's first bytes until sshd spoke (so the router saw a silent "
                    + "client); held back " + shim.heldBack() + " bytes", shim.serverSpokeFirst());
        }
        assertEquals("the shimmed ssh client was routed because the inspect delay ended (counter inspect_timeout)",
                timeoutsBefore + 2, inspectTimeouts());

        // A client that speaks first (plain ssh) also lands on the default server here.
        assertEquals("ssh (speaks first) through Junction, default route", MARKER, runSsh(routerPort));
        try (TlsClient client = tlsClient(routerPort, "app1.example.com")) {
            assertEquals("TLS still routes by SNI", app1.subject(), client.peerSubject());
        }
    }

    /** The core's count of connections decided because the inspect delay ended. */
    private long inspectTimeouts() {
        org.osgi.framework.ServiceReference<RouterAdmin> ref = context().getServiceReference(RouterAdmin.class);
        assertNotNull("the core registers RouterAdmin", ref);
        try {
            return context().getService(ref).counters().getOrDefault("inspect_timeout", 0L);
        } finally {
            context().ungetService(ref);
        }
    }

    // ------------------------------------------------------------------ config

    /**
     * One port: SNI app1/app2 to the TLS backends; with {@code sshRule}, SSH by banner to sshd and
     * the rest to the TLS default backend; without it, sshd is the default server. No
     * tcp-request content rules: they would reject anything that is not TLS.
     */
    private String config(boolean sshRule, String inspectDelay) {
        List<String> lines = new ArrayList<>(List.of(
                "global",
                "    maxconn 100",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen mixed",
                "    bind 127.0.0.1:" + routerPort,
                "    mode tcp",
                "    tcp-request inspect-delay " + inspectDelay,
                "    use-server app1-tls if { req.ssl_sni -i app1.example.com }",
                "    use-server app2-tls if { req.ssl_sni -i app2.example.com }",
                "    server app1-tls 127.0.0.1:" + app1.port() + " weight 0",
                "    server app2-tls 127.0.0.1:" + app2.port() + " weight 0"));
        if (sshRule) {
            lines.add("    use-server ssh if { req.ssh_proto -m found }");
            lines.add("    server ssh 127.0.0.1:" + sshdPort + " weight 0");
            lines.add("    server default 127.0.0.1:" + fallback.port());
        } else {
            lines.add("    server sshd-default 127.0.0.1:" + sshdPort);
        }
        lines.add("");
        return String.join("\n", lines);
    }

    // ------------------------------------------------------------------ OpenSSH

    private static String user() {
        return System.getProperty("user.name");
    }

    private void startSshd() throws Exception {
        dir = Files.createTempDirectory("junction-sshd-");
        run(List.of(keygenBinary.toString(), "-q", "-t", "ed25519", "-N", "", "-C", "junction-itest-host",
                "-f", dir.resolve("host_key").toString()));
        run(List.of(keygenBinary.toString(), "-q", "-t", "ed25519", "-N", "", "-C", "junction-itest-client",
                "-f", dir.resolve("client_key").toString()));
        Files.copy(dir.resolve("client_key.pub"), dir.resolve("authorized_keys"));
        sshdPort = freePort();
        Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "ListenAddress 127.0.0.1:" + sshdPort,
                "HostKey " + dir.resolve("host_key"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "PidFile " + dir.resolve("sshd.pid"),
                "StrictModes no",
                "UsePAM no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password",
                "AllowUsers " + user(),
                "LogLevel VERBOSE",
                ""));
        if ("root".equals(user()) && !Files.isDirectory(PRIVSEP_DIR)) {
            // What the ssh service's RuntimeDirectory= would create: sshd refuses to start as
            // root without it ("Missing privilege separation directory").
            Files.createDirectories(PRIVSEP_DIR);
            createdPrivsepDir = true;
        }
        // sshd re-execs itself and so wants an absolute path.
        sshd = new ProcessBuilder(sshdBinary.toAbsolutePath().toString(), "-D", "-e", "-f",
                dir.resolve("sshd_config").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("sshd.log").toFile())
                .start();
        await(ROUTE_WAIT, "sshd listening on 127.0.0.1:" + sshdPort, () -> {
            if (!sshd.isAlive()) {
                fail("sshd exited with " + sshd.exitValue() + ": " + sshdLog());
            }
            try (Socket s = new Socket()) {
                s.setSoTimeout(5_000);
                s.connect(new InetSocketAddress(LOOPBACK, sshdPort), 1_000);
                String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine();
                return line != null && line.startsWith("SSH-2.0-") ? null : "sshd greeted with " + line;
            } catch (IOException e) {
                return e.toString();
            }
        });
    }

    private void stopSshd() throws InterruptedException {
        if (sshd == null) {
            return;
        }
        // Session processes (sshd children) end with their connections, which are over by now.
        sshd.destroy();
        if (!sshd.waitFor(5, TimeUnit.SECONDS)) {
            sshd.destroyForcibly();
            sshd.waitFor(5, TimeUnit.SECONDS);
        }
        sshd = null;
    }

    private String sshdLog() {
        try {
            return dir == null ? "" : Files.readString(dir.resolve("sshd.log"));
        } catch (IOException e) {
            return "(no sshd log: " + e + ")";
        }
    }

    /** Runs {@code ssh -p port ... user@127.0.0.1 echo MARKER}; returns its stdout, trimmed. */
    private String runSsh(int port) throws Exception {
        List<String> command = List.of(sshBinary.toString(), "-F", "/dev/null", "-p", Integer.toString(port),
                "-i", dir.resolve("client_key").toString(),
                "-o", "IdentitiesOnly=yes",
                "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes",
                "-o", "ConnectTimeout=10",
                "-o", "LogLevel=ERROR",
                user() + "@127.0.0.1", "echo", MARKER);
        String[] out = run(command);
        return out[0].strip();
    }

    /** Runs a process (bounded), fails with its output unless it exits 0; returns {stdout, stderr}. */
    private String[] run(List<String> command) throws Exception {
        Path stdout = Files.createTempFile(dir, "out", ".txt");
        Path stderr = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(PROCESS_WAIT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            fail(command + " did not finish within " + PROCESS_WAIT_SECONDS + " s; stderr: "
                    + Files.readString(stderr) + "; sshd log: " + sshdLog());
        }
        String[] result = {Files.readString(stdout), Files.readString(stderr)};
        if (p.exitValue() != 0) {
            fail(command + " exited with " + p.exitValue() + "; stdout: " + result[0] + "; stderr: " + result[1]
                    + "; sshd log: " + sshdLog());
        }
        return result;
    }

    private static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    // ------------------------------------------------------------------ server-first client

    /**
     * Turns ssh (which sends its identification string at once) into a client that waits for the
     * server: it accepts one connection from ssh on 127.0.0.1, connects to the router, relays the
     * router's bytes to ssh at once, but holds ssh's bytes back until the first byte from the
     * server arrived. The router therefore sees a silent client. Blocking sockets, two threads,
     * every read bounded by the socket timeout.
     */
    static final class WaitingClientShim implements AutoCloseable {
        private final ServerSocket server;
        private final int routerPort;
        private final CountDownLatch serverSpoke = new CountDownLatch(1);
        private final AtomicInteger heldBack = new AtomicInteger();
        private volatile boolean clientSentBeforeServer;
        private final List<Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

        private WaitingClientShim(ServerSocket server, int routerPort) {
            this.server = server;
            this.routerPort = routerPort;
        }

        static WaitingClientShim start(int routerPort) throws IOException {
            WaitingClientShim shim = new WaitingClientShim(new ServerSocket(0, 1, LOOPBACK), routerPort);
            Thread t = new Thread(shim::serve, "waiting-client-shim");
            t.setDaemon(true);
            t.start();
            return shim;
        }

        int port() {
            return server.getLocalPort();
        }

        /** True when sshd's first byte reached the shim before any client byte left it. */
        boolean serverSpokeFirst() {
            return serverSpoke.getCount() == 0 && !clientSentBeforeServer;
        }

        int heldBack() {
            return heldBack.get();
        }

        private void serve() {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Socket router = new Socket();
                sockets.add(router);
                router.setTcpNoDelay(true);
                router.connect(new InetSocketAddress(LOOPBACK, routerPort), 5_000);
                client.setSoTimeout(SOCKET_TIMEOUT_MS);
                router.setSoTimeout(SOCKET_TIMEOUT_MS);
                Thread down = new Thread(() -> pump(router, client, true), "shim-router-to-client");
                down.setDaemon(true);
                down.start();
                // Client to router: read what ssh sends (its banner) but forward nothing until
                // the server spoke.
                InputStream in = client.getInputStream();
                OutputStream out = router.getOutputStream();
                byte[] held = new byte[8192];
                int heldLength = 0;
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SOCKET_TIMEOUT_MS);
                while (serverSpoke.getCount() > 0) {
                    if (System.nanoTime() - deadline > 0) {
                        return; // the server never spoke: ssh fails and the test says so
                    }
                    if (in.available() > 0 && heldLength < held.length) {
                        int n = in.read(held, heldLength, Math.min(in.available(), held.length - heldLength));
                        if (n < 0) {
                            return;
                        }
                        heldLength += n;
                        heldBack.set(heldLength);
                    }
                    serverSpoke.await(10, TimeUnit.MILLISECONDS);
                }
                out.write(held, 0, heldLength);
                out.flush();
                pump(client, router, false);
            } catch (IOException | InterruptedException e) {
                // the test sees the failure through ssh's exit code
            }
        }

        private void pump(Socket from, Socket to, boolean fromServer) {
            byte[] buffer = new byte[8192];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (n == 0) {
                        continue;
                    }
                    if (fromServer) {
                        serverSpoke.countDown();
                    } else if (serverSpoke.getCount() > 0) {
                        clientSentBeforeServer = true;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException e) {
                // closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
