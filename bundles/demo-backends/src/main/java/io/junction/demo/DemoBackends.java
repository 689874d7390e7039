package io.junction.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point: {@code java -jar junction-demo-backends.jar --dir DIR [--exit-with PID]}.
 *
 * <p>Starts the three TLS backends of the SNI demo on 127.0.0.1, each with its own self-signed
 * certificate kept in DIR:
 * <pre>
 *   127.0.0.1:9441  app1.example.com
 *   127.0.0.1:9442  app2.example.com
 *   127.0.0.1:9443  default.example.com
 * </pre>
 * Prints one line per server and then {@code demo-backends: ready}. Runs until SIGTERM/SIGINT, or
 * until process PID exits when {@code --exit-with PID} is given (bin/junction-demo passes its own
 * PID, which becomes the router's when it execs bin/junction, so the backends never outlive it).
 *
 * <p>Exit codes: 0 after a signal, 1 when a port cannot be bound, 2 on a usage error.
 */
public final class DemoBackends {

    /** The demo's servers: name and port, as in etc/junction.cfg of the distribution. */
    static final List<Backend> BACKENDS = List.of(
            new Backend("app1.example.com", 9441),
            new Backend("app2.example.com", 9442),
            new Backend("default.example.com", 9443));

    /** One demo backend's name and port. */
    record Backend(String name, int port) { }

    private static final String USAGE =
            "usage: java -jar junction-demo-backends.jar --dir DIR [--exit-with PID]";

    private DemoBackends() { }

    /**
     * Main thread: parses arguments, creates or loads certificates, binds, then waits forever.
     *
     * @param args command line
     */
    public static void main(String[] args) {
        Path dir = null;
        Long exitWith = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--dir" -> dir = Path.of(value(args, ++i));
                    case "--exit-with" -> exitWith = Long.parseLong(value(args, ++i));
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
                }
            }
            if (dir == null) {
                throw new IllegalArgumentException("--dir is required");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("demo-backends: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }

        List<DemoServer> servers = new ArrayList<>();
        try {
            servers.addAll(start(dir.toAbsolutePath(), System.out));
        } catch (IOException e) {
            System.err.println("demo-backends: " + e.getMessage());
            servers.forEach(DemoServer::close);
            System.exit(1);
            return;
        }
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            servers.forEach(DemoServer::close);
            System.out.println("demo-backends: stopped");
        }, "demo-shutdown"));
        if (exitWith != null) {
            long pid = exitWith;
            Optional<ProcessHandle> watched = ProcessHandle.of(pid);
            if (watched.isEmpty()) {
                System.err.println("demo-backends: process " + pid + " is gone; exiting");
                System.exit(0);
            }
            watched.get().onExit().thenRun(() -> {
                System.out.println("demo-backends: process " + pid + " exited; stopping");
                System.exit(0);
            });
        }
        System.out.println("demo-backends: ready");
        System.out.flush();
        try {
            forever.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Creates or loads the certificates and starts the three servers on their fixed ports.
     *
     * @param dir where certificates are kept
     * @param log where one line per started server is printed
     * @return the started servers
     * @throws IOException when a certificate cannot be stored or a port cannot be bound
     */
    static List<DemoServer> start(Path dir, PrintStream log) throws IOException {
        List<DemoServer> started = new ArrayList<>();
        InetAddress loopback = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        try {
            for (Backend b : BACKENDS) {
                DemoIdentity id = DemoIdentity.loadOrCreate(dir, b.name());
                DemoServer server = new DemoServer(b.name(), new InetSocketAddress(loopback, b.port()),
                        id.serverContext());
                try {
                    server.start();
                } catch (IOException e) {
                    server.close();
                    throw new IOException("cannot listen on 127.0.0.1:" + b.port() + " for " + b.name()
                            + ": " + e.getMessage() + " (is another demo running?)", e);
                }
                started.add(server);
                log.println("demo-backends: " + b.name() + " on 127.0.0.1:" + b.port()
                        + " (certificate " + dir.resolve(b.name() + ".crt") + ")");
            }
            return started;
        } catch (IOException | RuntimeException e) {
            started.forEach(DemoServer::close);
            throw e;
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }
}
