package io.junction.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A blocking HTTP server on 127.0.0.1 with a thread per connection running a script: precise
 * control over what a server sends (a 100 Continue, a 101 and raw bytes, half a response) and a
 * record of what it received.
 */
final class TestBackend implements AutoCloseable {

    /** What one server connection does. */
    interface Script {
        void run(Socket socket, InputStream in, OutputStream out, TestBackend backend) throws Exception;
    }

    final String name;
    final ServerSocket server;
    final AtomicInteger accepted = new AtomicInteger();
    final BlockingQueue<Http.Msg> requests = new LinkedBlockingQueue<>();
    final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
    private final Thread acceptor;
    private volatile Script script;

    TestBackend(String name, Script script) throws IOException {
        this.name = name;
        this.script = script;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "backend-" + name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    void script(Script script) {
        this.script = script;
    }

    InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            sockets.add(s);
            Script sc = script;
            Thread t = new Thread(() -> {
                try (s) {
                    s.setSoTimeout(20_000);
                    sc.run(s, s.getInputStream(), s.getOutputStream(), this);
                } catch (Exception e) {
                    // the test asserts what it needs; a script ending by exception just closes
                }
            }, "backend-" + name + "-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Keep-alive server answering every request with "NAME METHOD URI" (nothing for HEAD). */
    static Script echo() {
        return (s, in, out, b) -> {
            Http.Msg req;
            while ((req = Http.readRequest(in)) != null) {
                b.requests.add(req);
                String body = b.name + " " + req.method() + " " + req.uri() + " " + req.body().length;
                String head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n";
                Http.write(out, req.method().equals("HEAD") ? head : head + body);
                if ("close".equalsIgnoreCase(req.header("connection"))) {
                    return;
                }
            }
        };
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
