package io.junction.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.osgi.framework.Bundle;

/**
 * What the address and PROXY protocol integration tests share on top of
 * {@link JunctionItSupport}: the extra bundles (matcher-net, the PROXY protocol bundle and
 * Netty's codec-haproxy it needs, the HTTP sniffer for the article's {@code hdr_dom(host)}
 * ACLs), clients bound to a chosen loopback source address, and line reads with a bound.
 *
 * <p>Addresses: 127.0.0.0/8 (all of it is loopback on Linux, so a client can bind 127.0.0.2 or
 * 127.0.0.5 to look like another host to the router) and ::1. PROXY headers may <em>claim</em>
 * documentation addresses (203.0.113.0/24, 198.51.100.0/24, 2001:db8::/32): they are only
 * text in a header, never a destination.
 */
public abstract class NetItSupport extends JunctionItSupport {

    static final InetAddress V4 = literal("127.0.0.1");
    static final InetAddress V6 = literal("::1");

    /** Symbolic names of the bundles these tests add; all must be ACTIVE before a test runs. */
    static final String[] NET_BUNDLES = {
        "io.junction.matcher.net", "io.junction.backend.proxy.protocol", "io.junction.sniffer.http",
    };

    /** Driver side: {@link #junctionOptions} plus the bundles of the net feature and the HTTP sniffer. */
    public static Option[] netOptions(Class<?> testClass) {
        return OptionUtils.combine(junctionOptions(testClass),
                fileBundle("netty-codec-haproxy"),
                fileBundle("junction-matcher-net"),
                fileBundle("junction-backend-proxy-protocol"),
                fileBundle("junction-sniffer-http"));
    }

    /** An address literal, parsed without any name lookup. */
    static InetAddress literal(String text) {
        try {
            return InetAddress.getByName(text); // a literal: getByName does not resolve it
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    /** How nginx and PROXY headers print an address: {@code 127.0.0.1}, {@code ::1}. */
    static String text(InetAddress address) {
        return address instanceof Inet6Address && address.isLoopbackAddress() ? "::1" : address.getHostAddress();
    }

    /** Inside the framework: fails unless the bundles these tests need are ACTIVE. */
    protected void assertNetBundlesActive() {
        for (String symbolicName : NET_BUNDLES) {
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

    /** A backend on {@code address}, closed after the test. */
    protected TaggedBackend taggedBackend(String name, InetAddress address) throws IOException {
        return closeLater(TaggedBackend.start(name, address));
    }

    /** A port that was free a moment ago on {@code address}. */
    protected static int freePort(InetAddress address) throws IOException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(address, 0), 1);
            return probe.getLocalPort();
        }
    }

    /**
     * A connection to {@code port} on {@code to}, from {@code from} and the chosen local port
     * {@code fromPort} (0: any), registered for closing.
     */
    protected Socket connect(InetAddress from, int fromPort, InetAddress to, int port) throws IOException {
        Socket socket = new Socket();
        closeLater(socket);
        socket.setReuseAddress(true);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(SOCKET_TIMEOUT_MS);
        socket.bind(new InetSocketAddress(from, fromPort));
        socket.connect(new InetSocketAddress(to, port), 5_000);
        return socket;
    }

    /** Writes {@code text} (ISO-8859-1: one byte per char) and flushes. */
    protected static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /**
     * Reads one line (without its LF) within the socket's read timeout ({@link #SOCKET_TIMEOUT_MS}
     * unless changed); null at EOF or reset before any byte.
     *
     * @throws SocketTimeoutException when no complete line came in time (the message shows what did)
     */
    protected static String readLine(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("no complete line within " + socket.getSoTimeout()
                        + " ms; got " + quote(line.toString(StandardCharsets.ISO_8859_1)));
            } catch (java.net.SocketException reset) {
                b = -1;
            }
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            if (b == '\n') {
                return line.toString(StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
    }

    /** The connection id in a {@link TaggedBackend} greeting {@code "<name> #<id>"}. */
    static int greetingId(String greeting, TaggedBackend expected) {
        String prefix = expected.name() + " #";
        if (greeting == null || !greeting.startsWith(prefix)) {
            throw new AssertionError("expected a greeting from " + expected.name() + ", got " + quote(greeting));
        }
        return Integer.parseInt(greeting.substring(prefix.length()));
    }

    /** The backend name in a greeting, or the raw line when it is not one. */
    static String greeter(String greeting) {
        if (greeting == null) {
            return "(closed without a greeting)";
        }
        int hash = greeting.indexOf(" #");
        return hash > 0 ? greeting.substring(0, hash) : greeting;
    }

    static String quote(String s) {
        return s == null ? "null" : "'" + s.replace("\r", "\\r").replace("\n", "\\n") + "'";
    }

    /**
     * Polls until a fresh connection made by {@code attempt} is greeted by {@code expected}:
     * proves that the config (and every plugin its rules need) is in force.
     */
    protected void awaitGreeting(String what, TaggedBackend expected, GreetingAttempt attempt) throws Exception {
        await(ROUTE_WAIT, what + " -> " + expected.name(), () -> {
            String greeting;
            try (Socket s = attempt.open()) {
                s.setSoTimeout(3_000);
                greeting = readLine(s);
            }
            return expected.name().equals(greeter(greeting)) ? null : "greeted by " + quote(greeting);
        });
    }

    /** One probe connection; the caller closes it. */
    @FunctionalInterface
    protected interface GreetingAttempt {
        Socket open() throws IOException;
    }

    static final Duration RECORD_WAIT = Duration.ofSeconds(10);
}
