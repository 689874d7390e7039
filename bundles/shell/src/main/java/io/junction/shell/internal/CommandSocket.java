package io.junction.shell.internal;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local-only command socket: a UNIX domain stream socket (never TCP) on which each connection
 * carries one command line and gets its output back, then is closed. {@code bin/junction ctl}
 * is the client; {@code socat - UNIX-CONNECT:PATH} works too.
 *
 * <pre>
 * client -> server:  COMMAND LINE (UTF-8, at most 8 KiB) terminated by "\n" (or by closing the write side)
 * server -> client:  "junction-ctl 0\n" (succeeded) or "junction-ctl 1\n" (failed), then the output; then close
 * </pre>
 *
 * <p>Access control is the file system's: the socket file is made 0600 right after the bind and
 * sits by default in the instance's state directory, which the launcher creates 0700 and refuses
 * when another user owns it. Whoever can connect is the instance's owner (or root).
 *
 * <p>Threads: one daemon acceptor thread ("junction-ctl-accept"), at most {@link #MAX_CLIENTS}
 * daemon worker threads ("junction-ctl-N"; a further client is answered "busy" and closed at
 * once), and a daemon watchdog thread that closes a connection when its time is up (reading the
 * line: {@link #READ_TIMEOUT_MILLIS}; the whole connection: the configured timeout). None of them
 * is a Netty event loop; a command may block its worker as long as it runs.
 */
public final class CommandSocket implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommandSocket.class);

    /** Longest accepted command line, terminator excluded. */
    public static final int MAX_LINE_BYTES = 8 * 1024;

    /** Output beyond this is dropped (and the truncation said). */
    public static final int MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

    /** Concurrent clients; more are answered "busy". */
    public static final int MAX_CLIENTS = 4;

    /** How long a client may take to send its line. */
    public static final long READ_TIMEOUT_MILLIS = 10_000;

    /** First line of every answer; followed by 0 (ok) or 1 (failed). */
    public static final String STATUS_PREFIX = "junction-ctl ";

    private final Path path;
    private final LineExecutor executor;
    private final long timeoutMillis;
    private final ServerSocketChannel server;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService watchdog;
    private final Thread acceptor;
    private volatile boolean closed;

    private CommandSocket(Path path, LineExecutor executor, long timeoutMillis, ServerSocketChannel server) {
        this.path = path;
        this.executor = executor;
        this.timeoutMillis = timeoutMillis;
        this.server = server;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(0, MAX_CLIENTS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> daemon(r, "junction-ctl-" + n.incrementAndGet()));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "junction-ctl-watchdog"));
        this.acceptor = daemon(this::acceptLoop, "junction-ctl-accept");
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Binds the socket at {@code path} (replacing a stale socket file that nobody listens on),
     * makes it 0600 and starts accepting. Blocks briefly (bind, a probe connect).
     *
     * @param path          the socket file
     * @param executor      runs the command lines
     * @param timeoutMillis bound of one connection, from accept to close
     * @return the running socket; close it to stop
     * @throws IOException when the path is taken by a live socket or by another kind of file, or
     *                     the bind fails (e.g. a path longer than the OS allows, about 107 bytes)
     */
    public static CommandSocket start(Path path, LineExecutor executor, long timeoutMillis) throws IOException {
        path = path.toAbsolutePath().normalize();
        removeStale(path);
        Files.createDirectories(path.getParent());
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(path), MAX_CLIENTS * 2);
            try {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // Not on the platforms Junction supports; the directory's mode still applies.
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(path);
            throw e;
        }
        CommandSocket s = new CommandSocket(path, executor, timeoutMillis, ch);
        s.acceptor.start();
        return s;
    }

    /** A socket file left by a killed instance is removed; a live one, or any other file, is not. */
    private static void removeStale(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
                || Files.isSymbolicLink(path)) {
            throw new IOException(path + " exists and is not a socket; not replacing it");
        }
        boolean live;
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            live = true;
        } catch (IOException refused) {
            live = false;
        }
        if (live) {
            throw new IOException(path + " is in use by a running process (another junction instance?)");
        }
        Files.deleteIfExists(path);
    }

    /** @return the socket file */
    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                LOG.warn("junction: command socket {}: accept failed: {}", path, e.toString());
                sleepQuietly(100);
                continue;
            }
            try {
                workers.execute(() -> serve(client));
            } catch (RejectedExecutionException busy) {
                // A fresh local socket's send buffer takes this short answer without blocking.
                answerAndClose(client, false, "busy: " + MAX_CLIENTS + " commands are running; try again\n");
            }
        }
    }

    /** One connection, on a worker thread. */
    private void serve(SocketChannel client) {
        ScheduledFuture<?> readDeadline = watchdog.schedule(() -> closeQuietly(client),
                Math.min(READ_TIMEOUT_MILLIS, timeoutMillis), TimeUnit.MILLISECONDS);
        ScheduledFuture<?> deadline = watchdog.schedule(() -> closeQuietly(client), timeoutMillis, TimeUnit.MILLISECONDS);
        try {
            String line;
            try {
                line = readLine(client);
            } catch (LineException e) {
                answerAndClose(client, false, "error: " + e.getMessage() + "\n");
                return;
            }
            readDeadline.cancel(false);
            if (line.isBlank()) {
                answerAndClose(client, false, "error: empty command line\n");
                return;
            }
            LineExecutor.Reply reply;
            try {
                reply = executor.execute(line, MAX_OUTPUT_BYTES);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("junction: command socket: '{}' failed", line, e);
                reply = new LineExecutor.Reply(false, "error: " + e + "\n");
            }
            answerAndClose(client, reply.ok(), reply.text());
        } catch (IOException e) {
            // The client went away or the watchdog closed it: nothing to answer.
            LOG.debug("junction: command socket connection ended: {}", e.toString());
        } finally {
            readDeadline.cancel(false);
            deadline.cancel(false);
            closeQuietly(client);
        }
    }

    /** Thrown for input we refuse: the client gets the message. */
    private static final class LineException extends Exception {
        private static final long serialVersionUID = 1L;

        LineException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Reads up to the first "\n" (a trailing "\r" is dropped) or the end of input, at most
     * {@link #MAX_LINE_BYTES}; strict UTF-8.
     */
    static String readLine(SocketChannel client) throws IOException, LineException {
        ByteBuffer buf = ByteBuffer.allocate(MAX_LINE_BYTES + 1);
        int end = -1;
        while (end < 0) {
            int from = buf.position();
            int n = client.read(buf);
            if (n < 0) {
                end = buf.position();
                if (end == 0) {
                    throw new LineException("no command line received");
                }
                break;
            }
            for (int i = from; i < buf.position(); i++) {
                if (buf.get(i) == '\n') {
                    end = i;
                    break;
                }
            }
            if (end < 0 && !buf.hasRemaining()) {
                throw new LineException("command line longer than " + MAX_LINE_BYTES + " bytes");
            }
        }
        if (end > 0 && buf.get(end - 1) == '\r') {
            end--;
        }
        buf.flip().limit(end);
        try {
            String line = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(buf).toString();
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c < 0x20 && c != '\t') {
                    throw new LineException("control character in the command line");
                }
            }
            return line;
        } catch (CharacterCodingException e) {
            throw new LineException("the command line is not valid UTF-8");
        }
    }

    private static void answerAndClose(SocketChannel client, boolean ok, String text) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.encode(STATUS_PREFIX + (ok ? "0" : "1") + "\n" + text);
            while (b.hasRemaining()) {
                client.write(b);
            }
            client.shutdownOutput();
        } catch (IOException e) {
            LOG.debug("junction: command socket: answer not delivered: {}", e.toString());
        } finally {
            closeQuietly(client);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Closing; nothing left to do.
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops accepting, removes the socket file and closes the threads. Commands still running
     * finish on their own and answer if their client is still there. Blocks at
     * most a second for the acceptor thread. Idempotent; any thread (DS deactivation).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // Going away.
        }
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdown();
        watchdog.shutdownNow();
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("junction: cannot remove the command socket file {}: {}", path, e.toString());
        }
    }
}
