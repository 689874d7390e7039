package io.junction.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.osgi.framework.Bundle;

/**
 * What the {@code mode http} integration tests share on top of {@link JunctionItSupport}: the
 * HTTP bundles (Netty's HTTP codec and its compression dependency, {@code junction-http} for the
 * mode and the header actions, {@code junction-sniffer-http} for the {@code hdr}, {@code path}
 * ... fetches), {@link HttpBackend} origin servers, the {@link Curl} client and a raw-socket
 * client for requests no real client would send.
 */
public abstract class HttpItSupport extends JunctionItSupport {

    /** Symbolic names of the bundles these tests add; all must be ACTIVE before a test runs. */
    static final String[] HTTP_BUNDLES = {
        "io.netty.codec-compression", "io.netty.codec-http", "io.junction.http", "io.junction.sniffer.http",
    };

    /** Driver side: {@link #junctionOptions} plus the HTTP bundles. */
    public static Option[] httpOptions(Class<?> testClass) {
        return OptionUtils.combine(junctionOptions(testClass),
                fileBundle("netty-codec-compression"),
                fileBundle("netty-codec-http"),
                fileBundle("junction-http"),
                fileBundle("junction-sniffer-http"));
    }

    /** Inside the framework: fails unless the HTTP bundles are ACTIVE. */
    protected void assertHttpBundlesActive() {
        for (String symbolicName : HTTP_BUNDLES) {
            Bundle found = null;
            for (Bundle b : context().getBundles()) {
                if (symbolicName.equals(b.getSymbolicName())) {
                    found = b;
                }
            }
            assertNotNull(symbolicName + " is not installed", found);
            assertEquals(symbolicName + " state (32 = ACTIVE)", Bundle.ACTIVE, found.getState());
        }
    }

    /** A test origin server, closed after the test. */
    protected HttpBackend httpBackend(String name) throws IOException {
        return closeLater(HttpBackend.start(name));
    }

    /** One curl GET through the router with {@code Host: host} (null: curl's own). */
    protected static Curl.Run curlGet(int port, String host, String path) throws Exception {
        return host == null ? Curl.run(Curl.get(port, path)) : Curl.run(Curl.get(port, path, "-H", "Host: " + host));
    }

    /**
     * One curl GET that must succeed; returns its transfer. Fails with curl's own words
     * otherwise.
     */
    protected static Curl.Transfer ok(int port, String host, String path) throws Exception {
        Curl.Run run = curlGet(port, host, path);
        assertEquals("curl exit code: " + run, 0, run.exitCode());
        Curl.Transfer t = run.only();
        assertEquals("status of GET " + path + " Host " + host + ": " + run, 200, t.status());
        return t;
    }

    /**
     * Polls (bounded) until a GET with {@code Host: host} reaches {@code expected}: proves that
     * the written config, and every plugin its rules need, is in force.
     */
    protected void awaitHttpRoute(int port, String host, HttpBackend expected) throws Exception {
        await(ROUTE_WAIT, "GET 127.0.0.1:" + port + " Host " + host + " -> " + expected.name(), () -> {
            Curl.Run run = curlGet(port, host, "/probe");
            if (run.exitCode() != 0 || run.transfers().size() != 1) {
                return run.toString();
            }
            Curl.Transfer t = run.only();
            return t.status() == 200 && expected.name().equals(t.backend()) ? null
                    : "status " + t.status() + " from " + t.backend();
        });
    }

    /** How a raw exchange ended. */
    enum End { EOF, RESET, TIMEOUT }

    /** What came back on a raw connection, and how the connection ended. */
    record Raw(String text, End end) {
        String statusLine() {
            int eol = text.indexOf("\r\n");
            return eol < 0 ? text : text.substring(0, eol);
        }

        @Override
        public String toString() {
            return end + " after " + text.length() + " bytes: '"
                    + (text.length() > 400 ? text.substring(0, 400) + "..." : text).replace("\r", "\\r")
                            .replace("\n", "\\n") + "'";
        }
    }

    /**
     * Sends {@code request} (ISO-8859-1, one byte per char) on a new connection and reads until
     * the router closes it (EOF or reset) or {@link #SOCKET_TIMEOUT_MS} passes without a byte.
     */
    protected Raw rawExchange(int port, String request) throws IOException {
        Socket socket = connectPlain(port);
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return readUntilClosed(socket);
    }

    /** Reads everything until EOF, a reset or a read timeout. */
    protected static Raw readUntilClosed(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        while (true) {
            int n;
            try {
                n = in.read(chunk);
            } catch (SocketTimeoutException e) {
                return new Raw(got.toString(StandardCharsets.ISO_8859_1), End.TIMEOUT);
            } catch (SocketException e) {
                return new Raw(got.toString(StandardCharsets.ISO_8859_1), End.RESET);
            }
            if (n < 0) {
                return new Raw(got.toString(StandardCharsets.ISO_8859_1), End.EOF);
            }
            got.write(chunk, 0, n);
        }
    }

    /** A snapshot of what reached a set of backends. */
    record Seen(List<HttpBackend> backends, int[] requests, long[] bytes, int[] connections) {
        static Seen of(HttpBackend... backends) {
            int[] r = new int[backends.length];
            long[] b = new long[backends.length];
            int[] c = new int[backends.length];
            for (int i = 0; i < backends.length; i++) {
                r[i] = backends[i].requests();
                b[i] = backends[i].bytes();
                c[i] = backends[i].connections();
            }
            return new Seen(List.of(backends), r, b, c);
        }

        /** Fails if any backend received a connection, a byte or a request since the snapshot. */
        void assertUntouched(String what) {
            for (int i = 0; i < backends.size(); i++) {
                HttpBackend be = backends.get(i);
                assertEquals(what + ": requests that reached " + be.name(), requests[i], be.requests());
                assertEquals(what + ": bytes that reached " + be.name(), bytes[i], be.bytes());
                assertEquals(what + ": connections " + be.name() + " accepted", connections[i], be.connections());
            }
        }
    }
}
