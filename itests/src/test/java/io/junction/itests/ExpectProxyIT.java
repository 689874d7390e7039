package io.junction.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Issue 5, acceptance 2 and the malformed-header part of "What to build": who may send a PROXY
 * header, and what happens to a bad one.
 *
 * <p>The servers have {@code send-proxy}, so each {@link TaggedBackend} records, as its first
 * line, the PROXY header the router wrote: the address the router believed the client has.
 * Clients bind 127.0.0.2 (the trusted load balancer) or 127.0.0.3 (anyone else): both are
 * loopback addresses on Linux. The claimed address 203.0.113.7 (TEST-NET-3) is only text.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ExpectProxyIT extends NetItSupport {

    private static final InetAddress TRUSTED = literal("127.0.0.2");
    private static final InetAddress UNTRUSTED = literal("127.0.0.3");
    private static final String CLAIMED = "203.0.113.7";

    @Configuration
    public Option[] configuration() {
        return netOptions(ExpectProxyIT.class);
    }

    @Before
    public void setUp() throws Exception {
        installLeakGuard();
        assertNetBundlesActive();
    }

    @After
    public void tearDown() throws Exception {
        closeAllAndCheckLeaks();
    }

    /**
     * {@code tcp-request connection expect-proxy layer4 if { src 127.0.0.2/32 }}: the header from
     * 127.0.0.2 is honoured (routing and the outgoing header use 203.0.113.7), the same bytes from
     * 127.0.0.3 are data (the router routes on 127.0.0.3 and relays the fake header verbatim).
     */
    @Test
    public void headerIsHonouredFromTheTrustedSourceOnlyAndIsDataFromOthers() throws Exception {
        TaggedBackend claimed = taggedBackend("claimed", V4);
        TaggedBackend plain = taggedBackend("plain", V4);
        int port = freePort(V4);
        writeConfig(String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen lb-or-direct",
                "    bind 127.0.0.1:" + port,
                "    mode tcp",
                "    tcp-request connection expect-proxy layer4 if { src 127.0.0.2/32 }",
                "    use-server claimed if { src " + CLAIMED + " }",
                "    server claimed " + claimed.address() + " send-proxy weight 0",
                "    server plain " + plain.address() + " send-proxy",
                ""));
        String header = "PROXY TCP4 " + CLAIMED + " 127.0.0.1 40000 " + port + "\r\n";
        String payload = "hello after the header\n";
        awaitGreeting("PROXY header from 127.0.0.2", claimed, () -> {
            Socket s = connect(TRUSTED, 0, V4, port);
            send(s, header + payload);
            return s;
        });

        // Trusted: honoured, and the header is consumed (the server gets the router's own
        // header, with the claimed addresses, then exactly the payload).
        Socket trusted = connect(TRUSTED, 0, V4, port);
        send(trusted, header + payload);
        int id = greetingId(readLine(trusted), claimed);
        assertEquals("header from 127.0.0.2: the router's header carries the claimed addresses, then the payload",
                header + payload, recorded(claimed, id, header.length() + payload.length()));

        // Untrusted: the same bytes are data. Routed on the socket's address (127.0.0.3), and
        // the fake header reaches the server verbatim after the router's honest header.
        int untrustedPort = freePort(UNTRUSTED);
        Socket untrusted = connect(UNTRUSTED, untrustedPort, V4, port);
        send(untrusted, header + payload);
        int uid = greetingId(readLine(untrusted), plain);
        String honest = "PROXY TCP4 127.0.0.3 127.0.0.1 " + untrustedPort + " " + port + "\r\n";
        String got = recorded(plain, uid, honest.length() + header.length() + payload.length());
        assertEquals("header from 127.0.0.3: not an address, just data", honest + header + payload, got);
        assertFalse("203.0.113.7 must not be taken as the address of 127.0.0.3",
                got.startsWith("PROXY TCP4 " + CLAIMED));

        // A trusted source that sends no header breaks the protocol it agreed to: closed,
        // and no server is connected.
        int claimedBefore = claimed.accepted();
        int plainBefore = plain.accepted();
        Socket noHeader = connect(TRUSTED, 0, V4, port);
        send(noHeader, "GET / HTTP/1.0\r\n\r\n");
        assertClosedWithoutData(noHeader, "127.0.0.2 without a PROXY header");

        // A plain client from elsewhere still works, and nothing leaked to a server meanwhile.
        Socket direct = connect(V4, 0, V4, port);
        int did = greetingId(readLine(direct), plain);
        assertEquals("servers connected since: only the plain client's", claimedBefore, claimed.accepted());
        assertEquals("servers connected since: only the plain client's", plainBefore + 1, plain.accepted());
        assertEquals(plainBefore + 1, did);
    }

    /**
     * {@code accept-proxy}: malformed, truncated, oversized and unknown-command headers close
     * the connection before any server is connected, and a good connection right after works.
     * Truncation: every proper prefix of a valid v1 and v2 header, ended by a half-close; and
     * one prefix that just stops (closed by the receiver's 3 s header timeout).
     */
    @Test
    public void badHeadersOnAnAcceptProxyBindAreClosedAndReachNoServer() throws Exception {
        TaggedBackend backend = taggedBackend("behind-accept-proxy", V4);
        int port = freePort(V4);
        writeConfig(String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen from-lb",
                "    bind 127.0.0.1:" + port + " accept-proxy",
                "    mode tcp",
                "    server s " + backend.address() + " send-proxy",
                ""));
        byte[] v1 = ("PROXY TCP4 " + CLAIMED + " 127.0.0.1 40000 " + port + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] v2 = v2Header(0x21, new byte[] {(byte) 203, 0, 113, 7}, new byte[] {127, 0, 0, 1}, 40001, port);
        awaitGreeting("accept-proxy bind with a v1 header", backend, () -> {
            Socket s = connect(V4, 0, V4, port);
            s.getOutputStream().write(v1);
            return s;
        });

        Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put("no header (HTTP)", "GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        bad.put("v1 lower case", "proxy TCP4 203.0.113.7 127.0.0.1 1 2\r\n".getBytes(StandardCharsets.US_ASCII));
        bad.put("v1 bad address", "PROXY TCP4 203.0.113.999 127.0.0.1 1 2\r\n".getBytes(StandardCharsets.US_ASCII));
        bad.put("v1 IPv6 address in TCP4", "PROXY TCP4 2001:db8::7 127.0.0.1 1 2\r\n".getBytes(StandardCharsets.US_ASCII));
        bad.put("v1 port out of range", "PROXY TCP4 203.0.113.7 127.0.0.1 70000 2\r\n".getBytes(StandardCharsets.US_ASCII));
        bad.put("v1 missing field", "PROXY TCP4 203.0.113.7 127.0.0.1 1\r\n".getBytes(StandardCharsets.US_ASCII));
        bad.put("v1 longer than 107 bytes", ("PROXY TCP4 " + "1".repeat(120) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        byte[] unknownCommand = v2.clone();
        unknownCommand[12] = 0x22;
        bad.put("v2 unknown command 0x2", unknownCommand);
        byte[] badVersion = v2.clone();
        badVersion[12] = 0x31;
        bad.put("v2 version 3", badVersion);
        byte[] oversized = v2.clone();
        oversized[14] = (byte) 0xFF;
        oversized[15] = (byte) 0xFF;
        bad.put("v2 length 65535 (oversized TLVs)", oversized);
        byte[] badSignature = v2.clone();
        badSignature[11] = 0x0B;
        bad.put("v2 bad signature", badSignature);
        for (int n = 1; n < v1.length; n++) {
            bad.put("v1 truncated to " + n + " bytes", java.util.Arrays.copyOf(v1, n));
        }
        for (int n = 1; n < v2.length; n++) {
            bad.put("v2 truncated to " + n + " bytes", java.util.Arrays.copyOf(v2, n));
        }
        Random random = new Random(5);
        for (int i = 0; i < 10; i++) {
            byte[] noise = new byte[1 + random.nextInt(64)];
            random.nextBytes(noise);
            noise[0] = (byte) (i % 2 == 0 ? 'P' : 0x0D); // looks like v1 or v2 for a byte
            if (noise.length > 1 && noise[1] == 'R') {
                noise[1] = 'X';
            }
            if (noise.length > 1 && noise[1] == 0x0A) {
                noise[1] = 0x0B;
            }
            bad.put("noise #" + i, noise);
        }

        int before = backend.accepted();
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, byte[]> c : bad.entrySet()) {
            Socket s = connect(V4, 0, V4, port);
            s.getOutputStream().write(c.getValue());
            s.getOutputStream().flush();
            s.shutdownOutput(); // a truncated header ends here
            try {
                assertClosedWithoutData(s, c.getKey());
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
            s.close();
        }
        assertEquals("cases not closed without data: " + failures, List.of(), failures);

        // A prefix that just stops, without a half-close: the header timeout closes it.
        Socket stalled = connect(V4, 0, V4, port);
        stalled.getOutputStream().write(java.util.Arrays.copyOf(v1, 20));
        stalled.getOutputStream().flush();
        assertClosedWithoutData(stalled, "a v1 header that stops after 20 bytes");

        // Good v1 and v2 headers right after, each split over two segments (the receiver
        // must wait for the rest): served, with the claimed addresses.
        for (byte[] good : new byte[][] {v1, v2}) {
            Socket s = connect(V4, 0, V4, port);
            s.getOutputStream().write(good, 0, 7);
            s.getOutputStream().flush();
            Thread.sleep(100); // no assertion on time: only so that the halves travel apart
            s.getOutputStream().write(good, 7, good.length - 7);
            send(s, "payload\n");
            int id = greetingId(readLine(s), backend);
            String expected = "PROXY TCP4 " + CLAIMED + " 127.0.0.1 " + (good == v1 ? 40000 : 40001) + " " + port
                    + "\r\npayload\n";
            assertEquals("a good header after the bad ones", expected, recorded(backend, id, expected.length()));
        }
        assertEquals("the bad connections never reached the server: only the two good ones did",
                before + 2, backend.accepted());
    }

    // ------------------------------------------------------------------ helpers

    private static String recorded(TaggedBackend backend, int id, int length) throws InterruptedException {
        return new String(backend.awaitRecorded(id, length, RECORD_WAIT), StandardCharsets.ISO_8859_1);
    }

    /**
     * A PROXY v2 header (spec 2.2) for TCP over IPv4, no TLVs:
     * <pre>
     * sig[12] = 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A
     * ver_cmd = verCmd (0x21: version 2, PROXY)
     * fam     = 0x11 (AF_INET, STREAM)
     * len     = 12
     * src_addr[4], dst_addr[4], src_port[2], dst_port[2]
     * </pre>
     */
    static byte[] v2Header(int verCmd, byte[] src, byte[] dst, int srcPort, int dstPort) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        out.write(verCmd);
        out.write(0x11);
        out.write(0);
        out.write(12);
        out.writeBytes(src);
        out.writeBytes(dst);
        out.write(srcPort >> 8);
        out.write(srcPort & 0xFF);
        out.write(dstPort >> 8);
        out.write(dstPort & 0xFF);
        return out.toByteArray();
    }
}
