package io.junction.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.junction.demo.DemoIdentity;
import io.junction.demo.DemoServer;

/**
 * Runs the assembled distribution (target/junction) as a user would: bin/junction in a child
 * process, configurations on 127.0.0.1 only, state under a temporary TMPDIR.
 *
 * <p>Every wait is bounded; no assertion is about how long something took.
 */
class DistributionIT {

    private static final Path DIST = Path.of(System.getProperty("junction.dist", "target/junction")).toAbsolutePath();
    private static final Path BIN = DIST.resolve("bin/junction");
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    Path tmp;

    private final List<DemoServer> backends = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void distributionIsThere() {
        assertTrue(Files.isExecutable(BIN), BIN + " is missing: run the package phase first");
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        backends.forEach(DemoServer::close);
        LeakCheck.assertNoReports(tmp);
    }

    @Test
    void checkOfTheDemoConfigurationIsValid() throws Exception {
        Result r = run(List.of("-c", "-f", DIST.resolve("etc/junction.cfg").toString()));

        assertEquals(0, r.code, r.toString());
        assertTrue(r.out.contains("Configuration file is valid"), r.toString());
    }

    @Test
    void checkReportsAnUnknownKeywordWithFileAndLine() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("bad.cfg"), String.join("\n",
                "frontend f",
                "    bind 127.0.0.1:" + freePort(),
                "    frobnicate yes",
                "    default_backend b",
                "backend b",
                "    server s 127.0.0.1:" + freePort(),
                ""));

        Result r = run(List.of("-c", "-f", cfg.toString()));

        assertEquals(1, r.code, r.toString());
        assertTrue(r.err.contains(cfg + ":3:"), r.toString());
        assertFalse(r.out.contains("Configuration file is valid"), r.toString());
    }

    @Test
    void usageErrorExitsTwo() throws Exception {
        Result r = run(List.of("-c"));

        assertEquals(2, r.code, r.toString());
        assertTrue(r.err.contains("usage: junction"), r.toString());
    }

    @Test
    void routesBySniThenStopsOnSigterm() throws Exception {
        int app1 = backend("app1.example.com");
        int app2 = backend("app2.example.com");
        int dflt = backend("default.example.com");
        int port = freePort();
        // The demo configuration, on loopback and free ports.
        Path cfg = Files.writeString(tmp.resolve("sni.cfg"), String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen https-server",
                "    bind 127.0.0.1:" + port,
                "    mode tcp",
                "    tcp-request inspect-delay 10s",
                "    tcp-request content accept if req.ssl_hello_type 1",
                "    tcp-request content reject if WAIT_END",
                "    use-server app1-tls if req.ssl_sni -i app1.example.com",
                "    server app1-tls 127.0.0.1:" + app1 + " weight 0",
                "    use-server app2-tls if req.ssl_sni -i app2.example.com",
                "    server app2-tls 127.0.0.1:" + app2 + " weight 0",
                "    server default 127.0.0.1:" + dflt,
                ""));
        Path log = tmp.resolve("junction.log");
        Process junction = start(List.of("-f", cfg.toString()), log);

        awaitListening(junction, port, log);
        // Routes are installed as plugins arrive; the first answer may still come from the
        // default server while the TLS sniffer starts, so wait (bounded) for app1's answer.
        String first = awaitAnswer(port, "app1.example.com", "hello from app1.example.com", log);
        assertTrue(first.startsWith("HTTP/1.1 200 OK"), first);
        assertTrue(https(port, "app2.example.com").contains("hello from app2.example.com (port " + app2 + ")"));
        assertTrue(https(port, "other.example.com").contains("hello from default.example.com (port " + dflt + ")"));
        assertTrue(https(port, "APP1.example.com").contains("hello from app1.example.com"), "-i: case-insensitive");

        // A second instance with the same configuration would share its state: refused.
        Result second = run(List.of("-f", cfg.toString()));
        assertEquals(1, second.code, second.toString());
        assertTrue(second.err.contains("in use"), second.toString());

        junction.destroy(); // SIGTERM
        assertTrue(junction.waitFor(60, TimeUnit.SECONDS), "junction did not stop on SIGTERM: " + read(log));
        assertEquals(0, junction.exitValue(), read(log));
        assertFalse(accepts(port), "the listener is closed after the stop");
        String text = read(log);
        assertTrue(text.contains("junction stopping (signal"), text);
        assertTrue(text.contains("junction stopped"), text);
    }

    // ---------------------------------------------------------------------------------------

    private record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private ProcessBuilder builder(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(BIN.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // Own TMPDIR: the instance's state directory and the check's scratch storage land here.
        pb.environment().put("TMPDIR", tmp.toString());
        LeakCheck.paranoid(pb);
        pb.directory(tmp.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb;
    }

    private Result run(List<String> args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = builder(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        processes.add(p);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            fail("bin/junction " + args + " did not finish within 120 s:\n" + read(out) + read(err));
        }
        return new Result(p.exitValue(), read(out), read(err));
    }

    private Process start(List<String> args, Path log) throws IOException {
        Process p = builder(args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private int backend(String name) throws IOException {
        DemoServer s = new DemoServer(name, new InetSocketAddress(LOOPBACK, 0),
                DemoIdentity.generate(name).serverContext());
        s.start();
        backends.add(s);
        return s.port();
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

    private static String awaitAnswer(int port, String sni, String expected, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                last = https(port, sni);
                if (last.contains(expected)) {
                    return last;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        fail("no '" + expected + "' through junction within 60 s; last answer: " + last + "\n" + read(log));
        return last;
    }

    /** One HTTPS request through Junction with the given SNI; trusts any certificate (demo keys). */
    private static String https(int port, String sni) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) { }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) { }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress(LOOPBACK, port), 5000);
            s.setSoTimeout(15_000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(sni)));
            s.setSSLParameters(p);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(s.getInputStream().readNBytes(64 * 1024), StandardCharsets.UTF_8);
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
