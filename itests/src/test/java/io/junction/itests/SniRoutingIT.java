package io.junction.itests;

import static org.junit.Assert.assertEquals;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
 * The source article's SNI block, end to end: real JDK TLS clients through the router to three
 * real TLS backends, each with its own certificate, so the client sees where it landed. Every
 * test starts its own backends on fresh ports and a fresh router port, rewrites the config and
 * waits until it routes, so each test also exercises a live reload.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SniRoutingIT extends JunctionItSupport {

    private TlsBackend app1;
    private TlsBackend app2;
    private TlsBackend fallback;
    private int routerPort;

    @Configuration
    public Option[] configuration() {
        return junctionOptions(SniRoutingIT.class);
    }

    @Before
    public void setUp() throws Exception {
        installLeakGuard();
        app1 = tlsBackend("app1");
        app2 = tlsBackend("app2");
        fallback = tlsBackend("default");
        routerPort = freePort();
        // inspect-delay 1s: the silent and garbage clients are closed after one second.
        writeConfig(articleConfig(routerPort, "1s", "app1-tls", app1.port(), "app2-tls", app2.port(),
                "default", fallback.port()));
        awaitTlsRoute(routerPort, "app1.example.com", app1);
    }

    @After
    public void tearDown() throws Exception {
        closeAllAndCheckLeaks();
    }

    @Test
    public void sniApp1ReachesApp1() throws Exception {
        assertReaches("app1.example.com", app1);
    }

    @Test
    public void sniApp2ReachesApp2() throws Exception {
        assertReaches("app2.example.com", app2);
    }

    @Test
    public void sniIsMatchedCaseInsensitively() throws Exception {
        assertReaches("APP2.Example.COM", app2);
    }

    @Test
    public void unknownSniReachesDefault() throws Exception {
        assertReaches("unknown.example.com", fallback);
    }

    @Test
    public void noSniReachesDefault() throws Exception {
        assertReaches(null, fallback);
    }

    @Test
    public void silentClientIsClosedAfterInspectDelay() throws Exception {
        int before = acceptedByBackends();
        Socket silent = connectPlain(routerPort);
        assertClosedWithoutData(silent, "a client that sends nothing");
        assertEquals("no backend may be contacted for a silent client", before, acceptedByBackends());
        assertReaches("app1.example.com", app1);
    }

    @Test
    public void plainHttpIsRejected() throws Exception {
        assertRejected("plain HTTP", ("GET / HTTP/1.1\r\nHost: app1.example.com\r\n"
                + "User-Agent: junction-itest\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    public void binaryGarbageIsRejected() throws Exception {
        byte[] garbage = new byte[512];
        new Random(42).nextBytes(garbage);
        garbage[0] = 0x00; // not a TLS content type
        assertRejected("random bytes", garbage);
    }

    @Test
    public void tlsRecordThatIsNotAClientHelloIsRejected() throws Exception {
        // A handshake record carrying a ServerHello (msg_type 2): req.ssl_hello_type is 2, not 1.
        byte[] hello = ClientHellos.real("app1.example.com");
        hello[ClientHellos.HEADER] = 2;
        assertRejected("a ServerHello from a client", hello);
    }

    @Test
    public void tlsRecordWithImpossibleLengthIsRejected() throws Exception {
        // Record length 0xffff exceeds 2^14 + 2048 (RFC 8446 5.1/5.2): never a complete hello.
        byte[] bogus = {22, 3, 1, (byte) 0xff, (byte) 0xff, 1, 0, 0, 42, 3, 3};
        assertRejected("a record with an impossible length", bogus);
    }

    /** A TLS client with {@code sni} sees the backend's certificate and its answers. */
    private void assertReaches(String sni, TlsBackend expected) throws Exception {
        TlsClient client = tlsClient(routerPort, sni);
        assertEquals("certificate seen with SNI " + sni, expected.subject(), client.peerSubject());
        assertEquals(expected.name() + ": hello", client.ask("hello"));
        assertEquals(expected.name() + ": again", client.ask("again"));
    }

    /**
     * The article's rules (accept if req.ssl_hello_type 1, reject if WAIT_END) close a client
     * whose first bytes are not a ClientHello once the inspect delay ends, connect no backend,
     * and leave the router serving the next good client.
     */
    private void assertRejected(String what, byte[] firstBytes) throws Exception {
        int before = acceptedByBackends();
        Socket socket = connectPlain(routerPort);
        OutputStream out = socket.getOutputStream();
        out.write(firstBytes);
        out.flush();
        assertClosedWithoutData(socket, what);
        assertEquals("no backend may be contacted for " + what, before, acceptedByBackends());
        assertReaches("app1.example.com", app1);
        assertReaches(null, fallback);
    }

    private int acceptedByBackends() {
        return app1.accepted() + app2.accepted() + fallback.accepted();
    }
}
