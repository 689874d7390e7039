package io.junction.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's path through the assembled distribution: bin/junction runs a small
 * configuration, and {@code bin/junction ctl} talks to it over its command socket (routes,
 * connections, reload, features, uninstall/install of a feature). Loopback only; every wait is
 * bounded; nothing asserts how long anything took.
 */
class ShellIT {

    private static final Path DIST = Path.of(System.getProperty("junction.dist", "target/junction")).toAbsolutePath();
    private static final Path BIN = DIST.resolve("bin/junction");
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    Path tmp;

    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void distributionIsThere() {
        assertTrue(Files.isExecutable(BIN), BIN + " is missing: run the package phase first");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
        LeakCheck.assertNoReports(tmp);
    }

    @Test
    void ctlTalksToTheRunningInstance() throws Exception {
        ServerSocket backend = new ServerSocket(0, 50, LOOPBACK);
        closeables.add(backend);
        Thread acceptor = new Thread(() -> holdConnections(backend), "test-backend");
        acceptor.setDaemon(true);
        acceptor.start();
        int port = freePort();
        Path cfg = Files.writeString(tmp.resolve("shell.cfg"), String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "frontend web-in",
                "    bind 127.0.0.1:" + port,
                "    mode tcp",
                "    default_backend pool-one",
                "backend pool-one",
                "    server app-one 127.0.0.1:" + backend.getLocalPort(),
                ""));
        Path log = tmp.resolve("junction.log");
        Process junction = start(List.of("-f", cfg.toString()), log);
        awaitListening(junction, port, log);

        // routes: the frontend and the server by name (found through -f, like the launcher).
        Result routes = awaitCtl(List.of("-f", cfg.toString(), "routes"), r -> r.code == 0 && r.out.contains("app-one"), log);
        assertTrue(routes.out.contains("frontend web-in"), routes.toString());
        assertTrue(routes.out.contains("backend pool-one"), routes.toString());
        assertTrue(routes.out.contains("server app-one"), routes.toString());
        assertTrue(routes.out.contains("127.0.0.1:" + backend.getLocalPort()), routes.toString());

        // connections: a live client through the frontend to the server.
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress(LOOPBACK, port), 5000);
            client.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            Result conns = awaitCtl(List.of("-f", cfg.toString(), "connections"),
                    r -> r.code == 0 && r.out.contains("web-in") && r.out.contains("app-one"), log);
            assertTrue(conns.out.contains("/127.0.0.1:" + client.getLocalPort()), conns.toString());
        }

        // reload: applied, exit 0.
        Result reload = ctl(List.of("-f", cfg.toString(), "reload"));
        assertEquals(0, reload.code, reload.toString());
        assertTrue(reload.out.contains("configuration applied"), reload.toString());

        // A broken edit: reload fails with file:line, exit 1, and the routes stay.
        String good = Files.readString(cfg);
        Files.writeString(cfg, good.replace("    mode tcp\n", "    mode tcp\n    frobnicate yes\n"));
        Result broken = ctl(List.of("-f", cfg.toString(), "reload"));
        assertEquals(1, broken.code, broken.toString());
        assertTrue(broken.out.contains(cfg + ":8: unknown keyword 'frobnicate'"), broken.toString());
        Files.writeString(cfg, good);
        assertTrue(ctl(List.of("-f", cfg.toString(), "routes")).out.contains("app-one"));

        // Without options: the only instance under our TMPDIR. Unknown command: exit 1.
        Result counters = ctl(List.of("counters"));
        assertEquals(0, counters.code, counters.toString());
        assertFalse(counters.out.isBlank(), counters.toString());
        assertEquals(1, ctl(List.of("-f", cfg.toString(), "frobnicate")).code);

        // The socket: in the state directory, owner only.
        Path socket = StateDirectory.defaultFor(tmp, System.getProperty("user.name"), DIST, List.of(cfg))
                .resolve("junction.sock");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals(0, ctl(List.of("--state", socket.getParent().toString(), "problems")).code);

        junction.destroy(); // SIGTERM
        assertTrue(junction.waitFor(60, TimeUnit.SECONDS), "junction did not stop: " + read(log));
        assertFalse(Files.exists(socket), "the socket file is removed at stop");
        Result gone = ctl(List.of("-f", cfg.toString(), "routes"));
        assertEquals(1, gone.code, gone.toString());
    }

    @Test
    void featuresAreListedUninstalledAndInstalledFromTheDistribution() throws Exception {
        int port = freePort();
        Path cfg = Files.writeString(tmp.resolve("sni.cfg"), String.join("\n",
                "frontend tls-in",
                "    bind 127.0.0.1:" + port,
                "    mode tcp",
                "    tcp-request inspect-delay 2s",
                "    use_backend b1 if { req.ssl_sni -i one.example }",
                "    default_backend b1",
                "backend b1",
                "    server s1 127.0.0.1:" + freePort(),
                ""));
        Path log = tmp.resolve("junction.log");
        Process junction = start(List.of("-f", cfg.toString()), log);
        awaitListening(junction, port, log);
        List<String> f = List.of("-f", cfg.toString());

        Result features = awaitCtl(plus(f, "features"), r -> r.code == 0, log);
        assertTrue(features.out.contains("router: Junction router  [installed]"), features.toString());
        assertTrue(features.out.contains("sniffers: Junction sniffers  [installed]"), features.toString());
        assertTrue(lineOf(features.out, "io.junction.shell ").contains("ACTIVE"), features.toString());
        assertTrue(lineOf(features.out, "io.junction.sniffer.tls ").contains("ACTIVE"), features.toString());

        Result un = ctl(plus(f, "uninstall", "sniffers"));
        assertEquals(0, un.code, un.toString());
        assertTrue(lineOf(un.out, "io.junction.sniffer.tls").contains("uninstalled"), un.toString());
        Result after = ctl(plus(f, "features"));
        assertTrue(after.out.contains("sniffers: Junction sniffers  [not installed]"), after.toString());
        assertTrue(lineOf(after.out, "io.junction.sniffer.tls ").contains("not installed"), after.toString());
        // The router is never taken apart: uninstalling it keeps the core and the shell.
        Result router = ctl(plus(f, "uninstall", "router"));
        assertTrue(lineOf(router.out, "io.junction.core").contains("kept"), router.toString());
        assertTrue(lineOf(router.out, "io.junction.shell").contains("kept"), router.toString());
        assertEquals(0, ctl(plus(f, "install", "router")).code);

        Result in = ctl(plus(f, "install", "sniffers"));
        assertEquals(0, in.code, in.toString());
        assertTrue(in.out.contains("feature sniffers installed"), in.toString());
        Result again = ctl(plus(f, "features"));
        String tls = lineOf(again.out, "io.junction.sniffer.tls ");
        assertTrue(tls.contains("ACTIVE"), again.toString());
        assertEquals(1, ctl(plus(f, "install", "no-such-feature")).code);

        // Another version installed (Gogo's own update command, through ctl): install updates it
        // back to the distribution's version.
        String id = tls.replaceAll(".*\\(bundle (\\d+)\\).*", "$1");
        Path old = withVersion(DIST.resolve("bundle/junction-sniffer-tls-" + projectVersion() + ".jar"), "0.0.1");
        Result downgrade = ctl(plus(f, "felix:update", id, old.toUri().toString()));
        assertEquals(0, downgrade.code, downgrade.toString());
        assertTrue(lineOf(ctl(plus(f, "features")).out, "io.junction.sniffer.tls ").contains("version 0.0.1 installed"));
        Result update = ctl(plus(f, "install", "sniffers"));
        assertEquals(0, update.code, update.toString());
        assertTrue(lineOf(update.out, "io.junction.sniffer.tls").contains("updated 0.0.1 -> "), update.toString());
        assertTrue(lineOf(ctl(plus(f, "features")).out, "io.junction.sniffer.tls ").contains("ACTIVE (bundle " + id + ")"));
    }

    // ---------------------------------------------------------------------------------------

    private record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private static List<String> plus(List<String> a, String... more) {
        List<String> l = new ArrayList<>(a);
        l.addAll(List.of(more));
        return l;
    }

    private static String lineOf(String text, String start) {
        for (String line : text.split("\n")) {
            if (line.strip().startsWith(start)) {
                return line;
            }
        }
        return "(no line starting with " + start + ")";
    }

    /** The distribution's version of the junction jars (from the file name of the api jar). */
    private static String projectVersion() throws IOException {
        try (var s = Files.list(DIST.resolve("bundle"))) {
            String api = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("junction-api-")).findFirst()
                    .orElseThrow();
            return api.substring("junction-api-".length(), api.length() - ".jar".length());
        }
    }

    /** A copy of a bundle jar with another Bundle-Version. */
    private Path withVersion(Path jar, String version) throws IOException {
        Path out = tmp.resolve("v" + version + "-" + jar.getFileName());
        try (JarFile in = new JarFile(jar.toFile())) {
            Manifest mf = new Manifest(in.getManifest());
            mf.getMainAttributes().putValue("Bundle-Version", version);
            try (JarOutputStream jo = new JarOutputStream(Files.newOutputStream(out), mf)) {
                for (JarEntry e : java.util.Collections.list(in.entries())) {
                    if (e.getName().equals("META-INF/MANIFEST.MF")) {
                        continue;
                    }
                    jo.putNextEntry(new JarEntry(e.getName()));
                    try (InputStream is = in.getInputStream(e)) {
                        is.transferTo(jo);
                    }
                    jo.closeEntry();
                }
            }
        }
        return out;
    }

    private static void holdConnections(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> {
                    try (s; InputStream in = s.getInputStream()) {
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (IOException ignored) {
                        // the client went away
                    }
                });
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private ProcessBuilder builder(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(BIN.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("TMPDIR", tmp.toString());
        LeakCheck.paranoid(pb);
        pb.directory(tmp.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb;
    }

    private Result ctl(List<String> args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>();
        all.add("ctl");
        all.addAll(args);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = builder(all).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        processes.add(p);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            fail("bin/junction " + all + " did not finish within 120 s:\n" + read(out) + read(err));
        }
        return new Result(p.exitValue(), read(out), read(err));
    }

    /** Repeats a ctl command (bounded) until its result satisfies the test: the first routes may still be compiling. */
    private Result awaitCtl(List<String> args, Predicate<Result> ok, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Result last = null;
        while (System.nanoTime() < deadline) {
            last = ctl(args);
            if (ok.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        fail("bin/junction ctl " + args + " never gave the expected answer; last:\n" + last + "\n--- junction log\n" + read(log));
        return last;
    }

    private Process start(List<String> args, Path log) throws IOException {
        Process p = builder(args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LOOPBACK, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void awaitListening(Process p, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                fail("junction exited with " + p.exitValue() + ":\n" + read(log));
            }
            if (accepts(port)) {
                return;
            }
            Thread.sleep(100);
        }
        fail("junction did not listen on " + port + " within 90 s:\n" + read(log));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
