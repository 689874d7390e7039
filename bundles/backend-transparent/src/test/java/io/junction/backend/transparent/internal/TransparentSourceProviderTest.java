package io.junction.backend.transparent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.ConfigException;
import io.junction.api.ServerOption;
import org.junit.jupiter.api.Test;

/** What the provider refuses at config time: no IP_TRANSPARENT, no CAP_NET_ADMIN. */
class TransparentSourceProviderTest {

    private static ServerOption parse(TransparentSourceProvider p, String words) throws ConfigException {
        try {
            return p.parse("source", new Fakes.LineWords(words), Fakes.CONTEXT);
        } finally {
            p.deactivate();
        }
    }

    private static TransparentSourceProvider epoll(String procStatus) {
        return new TransparentSourceProvider(Fakes.transport("epoll", Fakes.IP_TRANSPARENT), () -> procStatus);
    }

    private static TransparentSourceProvider nio(String procStatus) {
        return new TransparentSourceProvider(Fakes.transport("nio", null), () -> procStatus);
    }

    @Test
    void usesrcWithTheCapabilityAndANativeTransportCompiles() throws Exception {
        ServerOption o = parse(epoll(CapabilitiesTest.ROOT), "* usesrc client");

        assertInstanceOf(TransparentSource.class, o);
        assertEquals(ServerOption.STAGE_SOCKET, o.stage());
        assertEquals("source * usesrc client", o.toString());
    }

    @Test
    void aServiceWithOnlyNetAdminCompiles() throws Exception {
        assertInstanceOf(TransparentSource.class, parse(epoll(CapabilitiesTest.NET_ADMIN_ONLY), "* usesrc clientip"));
    }

    @Test
    void nioIsRefusedAndSaysWhichTransportWorks() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse(nio(CapabilitiesTest.ROOT), "* usesrc client"));

        assertTrue(e.getMessage().contains("IP_TRANSPARENT"), e.getMessage());
        assertTrue(e.getMessage().contains("nio transport cannot set"), e.getMessage());
        assertTrue(e.getMessage().contains("epoll"), e.getMessage());
        assertFalse(e.getMessage().contains("CAP_NET_ADMIN"), e.getMessage());
    }

    @Test
    void aMissingCapabilityIsNamedWithTheFix() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse(epoll(CapabilitiesTest.USER), "* usesrc client"));

        assertTrue(e.getMessage().startsWith("source * usesrc client: usesrc needs CAP_NET_ADMIN"), e.getMessage());
        assertTrue(e.getMessage().contains("run as root or grant it: setcap cap_net_admin+ep "), e.getMessage());
        assertTrue(e.getMessage().contains("AmbientCapabilities=CAP_NET_ADMIN"), e.getMessage());
        assertTrue(e.getMessage().contains("0000000000000000"), e.getMessage());
    }

    @Test
    void rootWithoutNetAdminIsRefusedToo() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse(epoll(CapabilitiesTest.ROOT_WITHOUT_NET_ADMIN), "203.0.113.1 usesrc client"));

        assertTrue(e.getMessage().contains("CAP_NET_ADMIN"), e.getMessage());
    }

    @Test
    void bothProblemsAreReportedTogether() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse(nio(CapabilitiesTest.USER), "* usesrc 198.51.100.7"));

        assertTrue(e.getMessage().contains("IP_TRANSPARENT"), e.getMessage());
        assertTrue(e.getMessage().contains("CAP_NET_ADMIN"), e.getMessage());
    }

    @Test
    void aPlainSourceNeedsNeitherPrivilegeNorNativeTransport() throws Exception {
        assertInstanceOf(TransparentSource.class, parse(nio(CapabilitiesTest.USER), "192.0.2.1"));
    }

    @Test
    void anUnreadableStatusIsNotAnError() throws Exception {
        // Not Linux: nothing to check; the transport check still applies.
        assertInstanceOf(TransparentSource.class, parse(epoll(null), "* usesrc client"));
    }

    @Test
    void otherKeywordsAreRefused() {
        TransparentSourceProvider p = epoll(CapabilitiesTest.ROOT);
        ConfigException e = assertThrows(ConfigException.class,
                () -> p.parse("usesrc", new Fakes.LineWords("client"), Fakes.CONTEXT));

        assertTrue(e.getMessage().contains("source ADDR [usesrc client|clientip|ADDR]"), e.getMessage());
    }

    @Test
    void syntaxErrorsComeFirst() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse(nio(CapabilitiesTest.USER), "* usesrc hdr_ip(x-forwarded-for,-1)"));

        assertTrue(e.getMessage().contains("not supported"), e.getMessage());
    }
}
