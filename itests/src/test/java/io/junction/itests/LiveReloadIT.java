package io.junction.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

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
 * Config edits while traffic flows: a valid edit takes effect for new connections and leaves
 * established ones alone; a broken edit is reported with file:line and changes nothing.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LiveReloadIT extends JunctionItSupport {

    private TlsBackend app1;
    private TlsBackend app2;
    private TlsBackend fallback;
    private int routerPort;

    @Configuration
    public Option[] configuration() {
        return junctionOptions(LiveReloadIT.class);
    }

    @Before
    public void setUp() throws Exception {
        installLeakGuard();
        app1 = tlsBackend("app1");
        app2 = tlsBackend("app2");
        fallback = tlsBackend("default");
        routerPort = freePort();
        writeConfig(original());
        awaitTlsRoute(routerPort, "app1.example.com", app1);
    }

    @After
    public void tearDown() throws Exception {
        closeAllAndCheckLeaks();
    }

    @Test
    public void liveChangeRoutesNewConnectionsAndKeepsEstablishedOnes() throws Exception {
        TlsClient established = tlsClient(routerPort, "app1.example.com");
        assertEquals(app1.subject(), established.peerSubject());
        assertEquals("app1: before", established.ask("before"));

        writeConfig(swapped());
        awaitTlsRoute(routerPort, "app1.example.com", app2);

        TlsClient fresh = tlsClient(routerPort, "app1.example.com");
        assertEquals("a new connection takes the new route", app2.subject(), fresh.peerSubject());
        assertEquals("app2: new", fresh.ask("new"));

        // The connection accepted under the old config still flows both ways, to its backend.
        for (int i = 0; i < 3; i++) {
            assertEquals("app1: after " + i, established.ask("after " + i));
        }
        assertEquals("SNI app2 is untouched by the edit", app2.subject(),
                tlsClient(routerPort, "app2.example.com").peerSubject());
    }

    @Test
    public void brokenEditIsRejectedAndTheRunningRoutesStay() throws Exception {
        String broken = swapped().replace("    mode tcp\n", "    mode tcp\n    frobnicate 42\n");
        // writeConfig adds one comment line on top: the unknown keyword is on this line.
        int badLine = 1 + lineOf(broken, "frobnicate 42");
        String fileName = configFile().getFileName().toString();
        try (LogTap log = LogTap.install()) {
            writeConfig(broken);
            String reported = log.awaitLine(l -> l.contains(fileName + ":" + badLine + ":"), Duration.ofSeconds(10));
            assertNotNull("the core must report the error as " + fileName + ":" + badLine
                    + ": message; printed meanwhile:\n" + log.text(), reported);
        }
        // Nothing of the broken edit took effect (not even its valid route change).
        for (int i = 0; i < 3; i++) {
            TlsClient client = tlsClient(routerPort, "app1.example.com");
            assertEquals(app1.subject(), client.peerSubject());
            assertEquals("app1: still", client.ask("still"));
        }
        assertEquals(fallback.subject(), tlsClient(routerPort, null).peerSubject());

        // The watcher is still alive: fixing the file applies it.
        writeConfig(swapped());
        awaitTlsRoute(routerPort, "app1.example.com", app2);
    }

    /** SNI app1 -> app1, app2 -> app2, the rest -> default. */
    private String original() {
        return articleConfig(routerPort, "10s", "app1-tls", app1.port(), "app2-tls", app2.port(),
                "default", fallback.port());
    }

    /** The same, but server app1-tls now points at app2's backend. */
    private String swapped() {
        return articleConfig(routerPort, "10s", "app1-tls", app2.port(), "app2-tls", app2.port(),
                "default", fallback.port());
    }

    private static int lineOf(String text, String needle) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(needle)) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException(needle);
    }
}
