package io.junction.itests;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's nginx as a PROXY protocol server, started by a test in a private prefix (a temporary
 * directory holding its config, pid file, logs and temp paths; nothing under /etc or /var is
 * touched) and stopped by {@link #close()}, which also deletes the directory.
 *
 * <p>It listens with {@code proxy_protocol} on 127.0.0.1 and ::1 only, logs
 * {@code $proxy_protocol_addr:$proxy_protocol_port} per request, and answers every request with
 * {@code "$proxy_protocol_addr $proxy_protocol_port\n"}, so a client behind the router reads
 * back the address the router's PROXY header carried. A connection without a valid header is
 * refused by nginx (it logs "broken header"), so an answer at all proves a header was sent.
 *
 * <p>One process ({@code master_process off}, {@code daemon off}): destroying it leaves nothing
 * behind. Test thread only; {@link #start} blocks until both ports accept (bounded).
 */
final class Nginx implements AutoCloseable {
    private final Path dir;
    private final Process process;
    final int portV4;
    final int portV6;

    private Nginx(Path dir, Process process, int portV4, int portV6) {
        this.dir = dir;
        this.process = process;
        this.portV4 = portV4;
        this.portV6 = portV6;
    }

    /**
     * The nginx executable: {@code $JUNCTION_ITEST_NGINX} when set (a test of the skip path can
     * point it at nothing), else {@code nginx} on the PATH or in /usr/sbin; null when absent.
     */
    static Path executable() {
        String override = System.getenv("JUNCTION_ITEST_NGINX");
        if (override != null) {
            Path p = Paths.get(override);
            return Files.isExecutable(p) ? p : null;
        }
        String path = System.getenv("PATH");
        List<String> dirs = new java.util.ArrayList<>(List.of((path == null ? "" : path).split(":")));
        dirs.add("/usr/sbin");
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Paths.get(d, "nginx");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Test thread: writes the config, starts nginx, waits (at most 20 s) until both ports accept. */
    static Nginx start(Path executable, int portV4, int portV6) throws Exception {
        Path dir = Files.createTempDirectory("junction-itest-nginx");
        for (String sub : new String[] {"logs", "tmp"}) {
            Files.createDirectories(dir.resolve(sub));
        }
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, String.join("\n",
                "# written by the Junction itests; one process, everything under this directory",
                "daemon off;",
                "master_process off;",
                "worker_processes 1;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + dir.resolve("logs/error.log") + " info;",
                "events { worker_connections 64; }",
                "http {",
                "    client_body_temp_path " + dir.resolve("tmp/body") + ";",
                "    proxy_temp_path " + dir.resolve("tmp/proxy") + ";",
                "    fastcgi_temp_path " + dir.resolve("tmp/fastcgi") + ";",
                "    uwsgi_temp_path " + dir.resolve("tmp/uwsgi") + ";",
                "    scgi_temp_path " + dir.resolve("tmp/scgi") + ";",
                "    log_format pp '$proxy_protocol_addr:$proxy_protocol_port via $remote_addr \"$request\"';",
                "    access_log " + dir.resolve("logs/access.log") + " pp;",
                "    server {",
                "        listen 127.0.0.1:" + portV4 + " proxy_protocol;",
                "        listen [::1]:" + portV6 + " proxy_protocol;",
                "        location / {",
                "            default_type text/plain;",
                "            return 200 \"$proxy_protocol_addr $proxy_protocol_port\\n\";",
                "        }",
                "    }",
                "}",
                ""));
        ProcessBuilder pb = new ProcessBuilder(executable.toString(), "-p", dir.toString(),
                "-e", dir.resolve("logs/error.log").toString(), "-c", conf.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve("logs/stdout.log").toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process process = pb.start();
        Nginx nginx = new Nginx(dir, process, portV4, portV6);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!(accepts(NetItSupport.V4, portV4) && accepts(NetItSupport.V6, portV6))) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("nginx exited with " + process.exitValue() + ":\n" + nginx.logs());
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("nginx did not listen within 20 s:\n" + nginx.logs());
                }
                Thread.sleep(50);
            }
            return nginx;
        } catch (Exception | Error e) {
            nginx.close();
            throw e;
        }
    }

    private static boolean accepts(java.net.InetAddress address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The access log so far (one line per request: {@code addr:port via remote "request"}). */
    String accessLog() {
        return read(dir.resolve("logs/access.log"));
    }

    /** Everything nginx wrote, for failure messages. */
    String logs() {
        return "--- nginx error.log\n" + read(dir.resolve("logs/error.log"))
                + "--- nginx stdout/stderr\n" + read(dir.resolve("logs/stdout.log"))
                + "--- nginx access.log\n" + read(dir.resolve("logs/access.log"));
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "(none)\n";
        } catch (IOException e) {
            return "(" + e + ")\n";
        }
    }

    /** Test thread: stops nginx (SIGTERM, then SIGKILL after 10 s) and deletes its directory. */
    @Override
    public void close() throws IOException {
        try {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
