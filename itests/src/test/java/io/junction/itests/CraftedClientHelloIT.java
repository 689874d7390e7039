package io.junction.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
 * ClientHellos shaped the way real networks and new clients shape them (the traps listed in the
 * design: one byte per segment, a hello re-framed across TLS records, a hello of 16 KiB). The
 * bytes come from the JDK's own SSLEngine; the backends are recording plain TCP servers, so the
 * test checks both the route (which backend greeted) and that the router relayed every byte of
 * the hello unchanged.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CraftedClientHelloIT extends JunctionItSupport {

    private static final String SNI = "app1.example.com";

    private RecordingBackend app1;
    private RecordingBackend fallback;
    private int routerPort;

    @Configuration
    public Option[] configuration() {
        return junctionOptions(CraftedClientHelloIT.class);
    }

    @Before
    public void setUp() throws Exception {
        installLeakGuard();
        app1 = recordingBackend("rec-app1");
        fallback = recordingBackend("rec-default");
        RecordingBackend app2 = recordingBackend("rec-app2");
        routerPort = freePort();
        writeConfig(articleConfig(routerPort, "10s", "rec-app1", app1.port(), "rec-app2", app2.port(),
                "rec-default", fallback.port()));
        byte[] hello = ClientHellos.real(SNI);
        await(ROUTE_WAIT, "route 127.0.0.1:" + routerPort + " SNI " + SNI + " -> rec-app1", () -> {
            try (Socket socket = new Socket(LOOPBACK, routerPort)) {
                socket.setSoTimeout(SOCKET_TIMEOUT_MS);
                socket.getOutputStream().write(hello);
                socket.getOutputStream().flush();
                String greeting = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
                return greeting != null && greeting.startsWith("rec-app1 #") ? null : "greeting " + greeting;
            }
        });
    }

    @After
    public void tearDown() throws Exception {
        closeAllAndCheckLeaks();
    }

    @Test
    public void wholeHelloInOneWriteIsRelayedUnchanged() throws Exception {
        byte[] hello = ClientHellos.real(SNI);
        Socket socket = connectPlain(routerPort);
        socket.getOutputStream().write(hello);
        socket.getOutputStream().flush();
        assertRelayed(socket, app1, hello);
    }

    @Test
    public void helloSentOneBytePerSegmentIsRouted() throws Exception {
        byte[] hello = ClientHellos.real(SNI);
        Socket socket = connectPlain(routerPort); // TCP_NODELAY: every write is its own segment
        OutputStream out = socket.getOutputStream();
        for (byte b : hello) {
            out.write(b);
            out.flush();
            // Let each segment arrive alone instead of coalescing in the router's receive buffer.
            Thread.sleep(1);
        }
        assertRelayed(socket, app1, hello);
    }

    @Test
    public void helloSplitAcrossTwoRecordsInsideTheHostNameIsRouted() throws Exception {
        byte[] hello = ClientHellos.real(SNI);
        // Cut the handshake message in the middle of "app1.example.com": the first record alone
        // holds only "app1.exa", which must not be mistaken for the name nor end the inspection.
        int cut = ClientHellos.hostNameOffset(hello) + 8;
        byte[] twoRecords = ClientHellos.splitIntoTwoRecords(hello, cut);
        assertEquals(hello.length + ClientHellos.HEADER, twoRecords.length);
        Socket socket = connectPlain(routerPort);
        OutputStream out = socket.getOutputStream();
        out.write(twoRecords, 0, ClientHellos.HEADER + cut);
        out.flush();
        Thread.sleep(50); // the first record travels alone
        out.write(twoRecords, ClientHellos.HEADER + cut, twoRecords.length - ClientHellos.HEADER - cut);
        out.flush();
        assertRelayed(socket, app1, twoRecords);
    }

    @Test
    public void helloSplitAcrossTwoRecordsBeforeTheExtensionsIsRouted() throws Exception {
        byte[] hello = ClientHellos.real(SNI);
        byte[] twoRecords = ClientHellos.splitIntoTwoRecords(hello, 40); // inside the session id
        Socket socket = connectPlain(routerPort);
        socket.getOutputStream().write(twoRecords);
        socket.getOutputStream().flush();
        assertRelayed(socket, app1, twoRecords);
    }

    @Test
    public void sixteenKibHelloIsRouted() throws Exception {
        // The largest hello one record can carry (2^14 bytes of handshake, RFC 8446 5.1), as
        // post-quantum key shares and padding make them grow.
        byte[] hello = ClientHellos.padded(ClientHellos.real(SNI), ClientHellos.MAX_RECORD_PAYLOAD);
        assertEquals(ClientHellos.HEADER + 16384, hello.length);
        assertEquals(SNI, ClientHellos.hostName(hello));
        Socket socket = connectPlain(routerPort);
        socket.getOutputStream().write(hello);
        socket.getOutputStream().flush();
        assertRelayed(socket, app1, hello);
    }

    @Test
    public void helloWithoutSniReachesDefaultUnchanged() throws Exception {
        byte[] hello = ClientHellos.real(null);
        Socket socket = connectPlain(routerPort);
        socket.getOutputStream().write(hello);
        socket.getOutputStream().flush();
        assertRelayed(socket, fallback, hello);
    }

    /**
     * The router connected {@code socket} to {@code backend} (its greeting came back) and the
     * backend received exactly {@code sent}, no more, no less.
     */
    private static void assertRelayed(Socket socket, RecordingBackend backend, byte[] sent) throws Exception {
        String greeting = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.US_ASCII)).readLine();
        assertTrue("expected a greeting from " + backend.name() + ", got " + greeting,
                greeting != null && greeting.startsWith(backend.name() + " #"));
        int id = Integer.parseInt(greeting.substring(greeting.indexOf('#') + 1));
        byte[] received = backend.awaitRecorded(id, sent.length, Duration.ofSeconds(10));
        assertEquals("bytes relayed to " + backend.name(), sent.length, received.length);
        assertArrayEquals("bytes relayed to " + backend.name(), sent, received);
    }
}
