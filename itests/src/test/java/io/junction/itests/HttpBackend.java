package io.junction.itests;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small HTTP/1.1 origin server for the HTTP-mode integration tests, on raw sockets (one thread
 * per connection). Written by hand rather than on the JDK's {@code com.sun.net.httpserver} so
 * that it does not depend on what the framework's system bundle exports, and so that it can
 * misbehave on purpose ({@code /die}) and count exactly what reached it.
 *
 * <p>Every request is answered {@code 200} with a text body that names the backend and echoes
 * the request line and every header field exactly as received:
 * <pre>
 *   backend: app1
 *   request: GET /x HTTP/1.1
 *   header: Host: app1.example.com
 *   header: X-Forwarded-For: 203.0.113.7, 127.0.0.1
 * </pre>
 * Keep-alive is honoured (HTTP/1.1 unless {@code Connection: close}; HTTP/1.0 only with
 * {@code Connection: keep-alive}). A request for a path starting with {@code /die} gets a head
 * announcing {@value #DIE_DECLARED} body bytes, {@value #DIE_SENT} of them, and then the
 * connection is closed: a server that dies in the middle of a response.
 *
 * <p>{@link #stop()} closes the listener and every open connection (the server is gone: checks
 * get "connection refused"); {@link #restart()} listens on the same port again.
 */
final class HttpBackend implements AutoCloseable {

    static final int DIE_DECLARED = 100_000;
    static final int DIE_SENT = 1_000;
    /** A request head larger than this is refused (the test server is not under test). */
    private static final int MAX_HEAD = 256 * 1024;

    /** One request head as received. */
    record Request(String line, List<String> headers) {
        String path() {
            String[] parts = line.split(" ");
            return parts.length > 1 ? parts[1] : "";
        }
    }

    private final String name;
    private final int port;
    private volatile ServerSocket server;
    private final Set<Socket> live = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final List<Request> received = new ArrayList<>();

    private HttpBackend(String name, ServerSocket server) {
        this.name = name;
        this.server = server;
        this.port = server.getLocalPort();
    }

    /** Test thread: starts the backend on an ephemeral 127.0.0.1 port. */
    static HttpBackend start(String name) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(JunctionItSupport.LOOPBACK, 0), 50);
        HttpBackend backend = new HttpBackend(name, s);
        backend.acceptIn(s);
        return backend;
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    /** TCP connections accepted so far (health checks included). */
    int connections() {
        return connections.get();
    }

    /** Request heads received so far (counted when the head is complete, before any body). */
    int requests() {
        return requests.get();
    }

    /** Bytes received so far on all connections. */
    long bytes() {
        return bytes.get();
    }

    /** A copy of the request heads received so far, in arrival order. */
    List<Request> received() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    /** Test thread: the server goes away: no more listener, every open connection closed. */
    synchronized void stop() throws IOException {
        ServerSocket s = server;
        server = null;
        if (s != null) {
            s.close();
        }
        for (Socket socket : live) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    /** Test thread: listens again on the same port after {@link #stop()}. */
    synchronized void restart() throws IOException {
        if (server != null) {
            return;
        }
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(JunctionItSupport.LOOPBACK, port), 50);
        server = s;
        acceptIn(s);
    }

    @Override
    public void close() throws IOException {
        stop();
    }

    private void acceptIn(ServerSocket s) {
        Thread acceptor = new Thread(() -> acceptLoop(s), "http-backend-" + name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            Socket socket;
            try {
                socket = s.accept();
            } catch (IOException e) {
                return; // closed
            }
            connections.incrementAndGet();
            live.add(socket);
            Thread worker = new Thread(() -> serve(socket), "http-backend-" + name + "-conn");
            worker.setDaemon(true);
            worker.start();
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(60_000);
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(new Counting(socket.getInputStream()));
            OutputStream out = socket.getOutputStream();
            while (true) {
                List<String> lines = readHead(in);
                if (lines == null) {
                    return;
                }
                Request request = new Request(lines.get(0), lines.subList(1, lines.size()));
                synchronized (received) {
                    received.add(request);
                }
                requests.incrementAndGet();
                skipBody(in, request);
                boolean http10 = request.line().endsWith("HTTP/1.0");
                String connection = value(request, "connection");
                boolean close = connection != null && connection.toLowerCase(Locale.ROOT).contains("close")
                        || http10 && (connection == null || !connection.toLowerCase(Locale.ROOT).contains("keep-alive"));
                if (request.path().startsWith("/die")) {
                    String head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                            + DIE_DECLARED + "\r\n\r\n";
                    out.write(head.getBytes(StandardCharsets.US_ASCII));
                    out.write(new byte[DIE_SENT]);
                    out.flush();
                    return; // dies: the rest of the announced body never comes
                }
                StringBuilder body = new StringBuilder();
                body.append("backend: ").append(name).append('\n');
                body.append("request: ").append(request.line()).append('\n');
                for (String h : request.headers()) {
                    body.append("header: ").append(h).append('\n');
                }
                byte[] payload = body.toString().getBytes(StandardCharsets.ISO_8859_1);
                String head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + payload.length
                        + "\r\nX-Backend: " + name + "\r\n" + (close ? "Connection: close\r\n" : "")
                        + (http10 && !close ? "Connection: keep-alive\r\n" : "") + "\r\n";
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.write(payload);
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (IOException e) {
            // the peer went away, or stop(): nothing to answer
        } finally {
            live.remove(socket);
        }
    }

    /** The head's lines without their line ends; null at EOF before the first byte. */
    private static List<String> readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0; // counts the bytes of CRLFCRLF (or LFLF) seen at the end
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new IOException("EOF inside a request head");
            }
            head.write(b);
            if (head.size() > MAX_HEAD) {
                throw new IOException("request head too large for the test server");
            }
            if (b == '\n') {
                state++;
                if (state == 2) {
                    break;
                }
            } else if (b != '\r') {
                state = 0;
            }
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            if (!line.isEmpty()) {
                lines.add(line);
            }
        }
        return lines.isEmpty() ? null : lines;
    }

    /** Reads and drops the request body (Content-Length or chunked). */
    private static void skipBody(InputStream in, Request request) throws IOException {
        String te = value(request, "transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String sizeLine = readLine(in);
                int semi = sizeLine.indexOf(';');
                long size = Long.parseLong((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
                if (size == 0) {
                    while (!readLine(in).isEmpty()) {
                        // trailers
                    }
                    return;
                }
                in.skipNBytes(size);
                readLine(in);
            }
        }
        String cl = value(request, "content-length");
        if (cl != null) {
            in.skipNBytes(Long.parseLong(cl.trim()));
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("EOF inside a chunked body");
            }
            if (b == '\n') {
                int len = line.length();
                return len > 0 && line.charAt(len - 1) == '\r' ? line.substring(0, len - 1) : line.toString();
            }
            line.append((char) b);
        }
    }

    /** The first value of header {@code name} (case-insensitive), trimmed; null if absent. */
    static String value(Request request, String name) {
        for (String h : request.headers()) {
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return h.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private final class Counting extends FilterInputStream {
        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                bytes.incrementAndGet();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                bytes.addAndGet(n);
            }
            return n;
        }
    }
}
