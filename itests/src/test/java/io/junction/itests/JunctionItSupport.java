package io.junction.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import io.junction.testkit.LeakGuard;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.options.UrlProvisionOption;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

/**
 * What every integration test shares: the framework it boots (real bundles, provisioned from the
 * files Maven resolved), the config file the core watches, and helpers for ports, waiting and
 * closing.
 *
 * <p>Two sides run this code. {@link #junctionOptions(Class)} runs in the Failsafe JVM before
 * the framework starts (the Pax Exam driver); everything else runs inside the framework, in the
 * test probe bundle, in the same JVM (native container), so {@link System#getProperty} sees the
 * Failsafe system properties on both sides.
 */
public abstract class JunctionItSupport {

    /** Every address the tests use: the network rule allows loopback only. */
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** Bound on every wait for the router to take a config (first load includes the boot). */
    static final Duration ROUTE_WAIT = Duration.ofSeconds(15);

    /** Read timeout on every client socket: generous, it only stops a hung test. */
    static final int SOCKET_TIMEOUT_MS = 15_000;

    /** Symbolic names of the Junction bundles under test, all of which must be ACTIVE. */
    static final String[] JUNCTION_BUNDLES = {
        "io.junction.api", "io.junction.testkit", "io.junction.core", "io.junction.listener.tcp",
        "io.junction.sniffer.tls", "io.junction.matcher.text", "io.junction.backend.plain",
    };

    private static final AtomicInteger CONFIG_SERIAL = new AtomicInteger();

    /** Sockets and servers a test opened; closed in {@link #closeAll()}. */
    private final List<AutoCloseable> closeables = new ArrayList<>();

    // ------------------------------------------------------------------ driver side

    /**
     * Driver side (Failsafe JVM, before the framework exists): the framework for one test class.
     * Writes a minimal config ({@code global} only) at
     * {@code target/itest-cfg/<class>.cfg} and points the core at it, polled every 100 ms.
     */
    public static Option[] junctionOptions(Class<?> testClass) {
        Path cfg = workDir().resolve(testClass.getSimpleName() + ".cfg");
        try {
            Files.createDirectories(cfg.getParent());
            Files.writeString(cfg, "# written by " + testClass.getName() + " before boot\nglobal\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return options(
                junitBundles(),
                frameworkProperty("junction.config").value(cfg.toString()),
                frameworkProperty("junction.config.poll").value("100"),
                // Live connections get 0.5 s when the core stops: keeps the framework stop short.
                frameworkProperty("junction.shutdown.grace").value("500"),
                systemProperty("org.slf4j.simpleLogger.showDateTime").value("true"),
                systemProperty("org.slf4j.simpleLogger.dateTimeFormat").value("HH:mm:ss.SSS"),
                systemProperty("org.slf4j.simpleLogger.showThreadName").value("true"),
                // slf4j 2 finds its provider through the service loader: SPI Fly (and ASM for its
                // weaving) and slf4j must be up at level 1, before anything calls LoggerFactory.
                fileBundle("asm").startLevel(1),
                fileBundle("asm-tree").startLevel(1),
                fileBundle("asm-analysis").startLevel(1),
                fileBundle("asm-commons").startLevel(1),
                fileBundle("asm-util").startLevel(1),
                fileBundle("spifly").startLevel(1),
                fileBundle("slf4j-api").startLevel(1),
                fileBundle("slf4j-simple").startLevel(1),
                fileBundle("osgi-function"),
                fileBundle("osgi-promise"),
                fileBundle("osgi-component"),
                fileBundle("scr"),
                fileBundle("configadmin"),
                fileBundle("netty-common"),
                fileBundle("netty-buffer"),
                fileBundle("netty-resolver"),
                fileBundle("netty-transport"),
                fileBundle("netty-transport-native-unix-common"),
                fileBundle("netty-codec-base"),
                fileBundle("netty-handler"),
                fileBundle("netty-transport-classes-epoll"),
                // A fragment of transport-classes-epoll: installed, never started.
                fileBundle("netty-transport-native-epoll").noStart(),
                fileBundle("junction-api"),
                fileBundle("junction-testkit"),
                fileBundle("junction-core"),
                fileBundle("junction-listener-tcp"),
                fileBundle("junction-sniffer-tls"),
                fileBundle("junction-matcher-text"),
                fileBundle("junction-backend-plain"));
    }

    /**
     * A bundle from the file Maven resolved: Failsafe passes {@code bundle.<name>} (set by
     * dependency:properties), because reactor modules have no mvn: URL during {@code mvn verify}.
     */
    static UrlProvisionOption fileBundle(String name) {
        String path = System.getProperty("bundle." + name);
        if (path == null || path.isBlank() || path.startsWith("${")) {
            throw new IllegalStateException("system property bundle." + name
                    + " is not set: run the itests through Failsafe (mvn verify -f itests/pom.xml)");
        }
        return bundle(new File(path).toURI().toString());
    }

    static Path workDir() {
        String dir = System.getProperty("junction.itest.workdir");
        return dir != null ? Paths.get(dir) : Paths.get("target", "itest-cfg").toAbsolutePath();
    }

    // ------------------------------------------------------------------ framework side

    /** Inside the framework: the probe bundle's context. */
    protected BundleContext context() {
        return FrameworkUtil.getBundle(getClass()).getBundleContext();
    }

    /** The config file the core watches (the framework property junction.config). */
    protected Path configFile() {
        String value = context().getProperty("junction.config");
        if (value == null) {
            throw new IllegalStateException("framework property junction.config is not set");
        }
        return Paths.get(value);
    }

    /** Starts the leak guard; every test calls this first (in its @Before). */
    protected void installLeakGuard() {
        LeakGuard.install();
    }

    /**
     * Closes everything the test opened, then fails on any Netty buffer leak reported since the
     * previous check. Called from @After.
     */
    protected void closeAllAndCheckLeaks() throws Exception {
        try {
            closeAll();
        } finally {
            LeakGuard.check();
        }
    }

    /** Registers something to close after the test. */
    protected <T extends AutoCloseable> T closeLater(T closeable) {
        synchronized (closeables) {
            closeables.add(closeable);
        }
        return closeable;
    }

    protected void closeAll() {
        List<AutoCloseable> copy;
        synchronized (closeables) {
            copy = new ArrayList<>(closeables);
            closeables.clear();
        }
        for (int i = copy.size() - 1; i >= 0; i--) {
            try {
                copy.get(i).close();
            } catch (Exception ignored) {
                // Best effort: a socket the router already closed may complain.
            }
        }
    }

    /**
     * Replaces the config file in one step (write a sibling, then an atomic rename) so that the
     * core's poller never reads half a file. A serial comment makes every version distinct.
     */
    protected void writeConfig(String text) throws IOException {
        Path target = configFile();
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        String content = "# itest config #" + CONFIG_SERIAL.incrementAndGet() + "\n" + text;
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * A port that was free a moment ago on 127.0.0.1, for the router to bind. (Another process
     * could take it in between; on a test machine that is rare, and the wait for the route
     * would then fail with a clear message.)
     */
    protected static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
            return probe.getLocalPort();
        }
    }

    /** A plain TCP connection to the router, registered for closing. */
    protected Socket connectPlain(int port) throws IOException {
        Socket socket = new Socket();
        closeLater(socket);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(SOCKET_TIMEOUT_MS);
        socket.connect(new InetSocketAddress(LOOPBACK, port), 5_000);
        return socket;
    }

    /**
     * Asserts that the peer closes the connection (EOF, or a reset) without sending a byte.
     * Waits at most {@link #SOCKET_TIMEOUT_MS}; no assertion on how fast.
     */
    protected static void assertClosedWithoutData(Socket socket, String what) throws IOException {
        socket.setSoTimeout(SOCKET_TIMEOUT_MS);
        InputStream in = socket.getInputStream();
        int first;
        try {
            first = in.read();
        } catch (SocketTimeoutException e) {
            fail(what + ": the router did not close the connection within " + SOCKET_TIMEOUT_MS + " ms");
            return;
        } catch (SocketException reset) {
            return; // connection reset: closed, and nothing was delivered
        }
        assertEquals(what + ": the router must close without relaying any byte (got a byte instead of EOF)",
                -1, first);
    }

    /** Polls {@code check} every 100 ms until it returns null (success) or the wait ends. */
    protected static void await(Duration wait, String what, Check check) throws Exception {
        long deadline = System.nanoTime() + wait.toNanos();
        String last = "never tried";
        while (true) {
            String problem;
            try {
                problem = check.problem();
            } catch (IOException e) {
                problem = e.toString();
            }
            if (problem == null) {
                return;
            }
            last = problem;
            if (System.nanoTime() - deadline > 0) {
                fail(what + ": not reached within " + wait.toMillis() + " ms; last observation: " + last);
            }
            Thread.sleep(100);
        }
    }

    /** One observation of a polled condition: null when satisfied, else what was seen. */
    @FunctionalInterface
    protected interface Check {
        String problem() throws Exception;
    }

    /**
     * Waits until a TLS connection to the router with {@code sni} (null: none) reaches the TLS
     * backend {@code expected}: its certificate and its answer. Proves the config was applied.
     */
    protected void awaitTlsRoute(int routerPort, String sni, TlsBackend expected) throws Exception {
        await(ROUTE_WAIT, "route 127.0.0.1:" + routerPort + " SNI " + sni + " -> " + expected.name(), () -> {
            try (TlsClient client = TlsClient.connect(routerPort, sni)) {
                String subject = client.peerSubject();
                if (!expected.subject().equals(subject)) {
                    return "reached the backend with certificate " + subject;
                }
                String answer = client.ask("probe");
                return (expected.name() + ": probe").equals(answer) ? null : "answer was " + answer;
            }
        });
    }

    /** Opens a TLS client through the router and registers it for closing. */
    protected TlsClient tlsClient(int routerPort, String sni) throws IOException {
        return closeLater(TlsClient.connect(routerPort, sni));
    }

    /** Starts a TLS backend with the certificate made for {@code name} at build time. */
    protected TlsBackend tlsBackend(String name) throws Exception {
        return closeLater(TlsBackend.start(name));
    }

    /** Starts a recording plain TCP backend. */
    protected RecordingBackend recordingBackend(String name) throws IOException {
        return closeLater(RecordingBackend.start(name));
    }

    /**
     * The source article's SNI block with local addresses, on {@code routerPort}, routing SNI
     * app1/app2 to the first two servers and everything else to the third.
     */
    protected static String articleConfig(int routerPort, String inspectDelay,
            String name1, int port1, String name2, int port2, String defaultName, int defaultPort) {
        return String.join("\n",
                "global",
                "    maxconn 1000",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen https-server",
                "    bind 127.0.0.1:" + routerPort,
                "    mode tcp",
                "    tcp-request inspect-delay " + inspectDelay,
                "    tcp-request content accept if req.ssl_hello_type 1",
                "    tcp-request content reject if WAIT_END",
                "    use-server " + name1 + " if req.ssl_sni -i app1.example.com",
                "    server " + name1 + " 127.0.0.1:" + port1 + " weight 0",
                "    use-server " + name2 + " if req.ssl_sni -i app2.example.com",
                "    server " + name2 + " 127.0.0.1:" + port2 + " weight 0",
                "    server " + defaultName + " 127.0.0.1:" + defaultPort,
                "");
    }
}
