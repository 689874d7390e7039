package io.junction.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Issue 5, acceptance 1: with Debian's nginx as the backend ({@code listen ... proxy_protocol},
 * logging {@code $proxy_protocol_addr}), {@code send-proxy} and {@code send-proxy-v2} deliver
 * the real client address and port for IPv4 and IPv6 clients, and the seed's fourth
 * configuration's local {@code send-proxy} -> {@code accept-proxy} hop keeps it.
 *
 * <p>nginx is an external process each test starts in its own temporary prefix ({@link Nginx});
 * without nginx the tests are reported as skipped ({@link PaxExamWithNginx}), never as passed.
 * Clients bind a chosen local port, so the expected port is known before the request.
 */
@RunWith(PaxExamWithNginx.class)
@ExamReactorStrategy(PerClass.class)
public class ProxyProtocolNginxIT extends NetItSupport {

    private Nginx nginx;

    @Configuration
    public Option[] configuration() {
        return netOptions(ProxyProtocolNginxIT.class);
    }

    @Before
    public void setUp() throws Exception {
        Path executable = Nginx.executable();
        assertNotNull("nginx vanished between the driver's check and the test", executable);
        installLeakGuard();
        assertNetBundlesActive();
        nginx = Nginx.start(executable, freePort(V4), freePort(V6));
    }

    @After
    public void tearDown() throws Exception {
        try {
            if (nginx != null) {
                nginx.close();
            }
        } finally {
            closeAllAndCheckLeaks();
        }
    }

    @Test
    public void sendProxyV1AndV2DeliverTheClientAddressAndPortForIpv4AndIpv6Clients() throws Exception {
        int v1 = freePort(V4);
        int v2 = freePort(V4);
        writeConfig(String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen pp-v1",
                "    bind 127.0.0.1:" + v1,
                "    bind [::1]:" + v1,
                "    mode tcp",
                "    server nginx 127.0.0.1:" + nginx.portV4 + " send-proxy",
                "listen pp-v2",
                "    bind 127.0.0.1:" + v2,
                // The bare IPv6 form (port after the last colon), as the article writes servers.
                "    bind ::1:" + v2,
                "    mode tcp",
                "    server nginx ::1:" + nginx.portV6 + " send-proxy-v2",
                ""));
        awaitNginxAnswer(v1);
        awaitNginxAnswer(v2);

        for (int listener : new int[] {v1, v2}) {
            for (InetAddress client : new InetAddress[] {V4, V6}) {
                int clientPort = freePort(client);
                String what = (listener == v1 ? "send-proxy" : "send-proxy-v2") + ", client " + text(client)
                        + " port " + clientPort;
                String response = get(client, clientPort, client, listener, "/" + (listener == v1 ? "v1" : "v2"));
                assertTrue(what + ": nginx answers 200\n" + response + nginx.logs(),
                        response.startsWith("HTTP/1.1 200 "));
                assertEquals(what + ": the address and port nginx read from the PROXY header\n" + nginx.logs(),
                        text(client) + " " + clientPort, body(response));
                assertTrue(what + ": nginx logged $proxy_protocol_addr:$proxy_protocol_port\n" + nginx.logs(),
                        nginx.accessLog().contains(text(client) + ":" + clientPort + " via "));
            }
        }
    }

    /**
     * The seed's fourth configuration without its TLS and HTTP parts: the public listener sends
     * every connection with {@code send-proxy} to a second listener on a local port with
     * {@code accept-proxy}, which routes on {@code src}. Every hop's socket source is 127.0.0.1,
     * so routing on 127.0.0.5 (a client bound to that loopback address) or on ::1 proves that
     * the second listener sees the real client; {@code send-proxy-v2} to nginx then shows that
     * address and port survived both hops.
     */
    @Test
    public void localSendProxyToAcceptProxyHopKeepsTheRealClientAddress() throws Exception {
        InetAddress other = literal("127.0.0.5");
        int front = freePort(V4);
        int local = freePort(V4);
        TaggedBackend hopOnly = taggedBackend("hop-only", V4);
        writeConfig(String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen https-server",
                "    bind 127.0.0.1:" + front,
                "    bind [::1]:" + front,
                "    mode tcp",
                "    server local 127.0.0.1:" + local + " send-proxy",
                "listen http-server",
                "    bind 127.0.0.1:" + local + " accept-proxy",
                "    mode tcp",
                "    use-server nginx if { src 127.0.0.5 } || { src ::1 }",
                "    server nginx 127.0.0.1:" + nginx.portV4 + " send-proxy-v2 weight 0",
                "    server hop-only " + hopOnly.address() + " send-proxy",
                ""));
        await(ROUTE_WAIT, "127.0.0.5 -> https-server -> http-server -> nginx", () -> {
            String response = get(other, 0, V4, front, "/probe");
            return response.startsWith("HTTP/1.1 200 ") ? null : "answer " + quote(response);
        });

        for (InetAddress client : new InetAddress[] {other, V6}) {
            int clientPort = freePort(client);
            String response = get(client, clientPort, client instanceof java.net.Inet6Address ? V6 : V4, front, "/hop");
            assertEquals("client " + text(client) + ": routed on its own address to nginx, which read it from "
                    + "the second hop's PROXY v2 header\n" + response + "\n" + nginx.logs(),
                    text(client) + " " + clientPort, body(response));
        }

        // 127.0.0.1, the hop's own source address, does not match: the default server, whose
        // PROXY header (written by the second listener) still carries the client's address
        // and the port it connected to on the first listener.
        int clientPort = freePort(V4);
        Socket s = connect(V4, clientPort, V4, front);
        send(s, "GET /hop HTTP/1.0\r\n\r\n");
        int id = greetingId(readLine(s), hopOnly);
        assertEquals("the PROXY header after two hops", "PROXY TCP4 127.0.0.1 127.0.0.1 " + clientPort + " " + front
                + "\r", hopOnly.awaitLine(id, RECORD_WAIT).split("\n", 2)[0]);
    }

    // ------------------------------------------------------------------ helpers

    /** Waits until a request through {@code listener} gets nginx's answer (the config and plugins are in force). */
    private void awaitNginxAnswer(int listener) throws Exception {
        await(ROUTE_WAIT, "nginx behind 127.0.0.1:" + listener, () -> {
            String response = get(V4, 0, V4, listener, "/probe");
            return response.startsWith("HTTP/1.1 200 ") ? null : "answer " + quote(response);
        });
    }

    /** One HTTP/1.0 request from {@code from}:{@code fromPort} (0: any) through the router; the whole response. */
    private String get(InetAddress from, int fromPort, InetAddress to, int port, String path) throws IOException {
        try (Socket s = connect(from, fromPort, to, port)) {
            send(s, "GET " + path + " HTTP/1.0\r\nHost: nginx.example.com\r\n\r\n");
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketException e) {
            return e.toString();
        }
    }

    /** The response body without its final LF. */
    private static String body(String response) {
        int start = response.indexOf("\r\n\r\n");
        String body = start < 0 ? response : response.substring(start + 4);
        return body.endsWith("\n") ? body.substring(0, body.length() - 1) : body;
    }
}
