package io.junction.backend.transparent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.ConnectRequest;
import io.junction.api.Facts;
import io.junction.api.ServerOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What {@code prepare} puts on the outbound connect request, per client and server family. */
class TransparentSourceTest {
    private static final InetSocketAddress SERVER_V4 = sa("192.0.2.10", 3001);
    private static final InetSocketAddress SERVER_V6 = sa("2001:db8:2::10", 3001);
    private static final InetSocketAddress CLIENT_V4 = sa("198.51.100.10", 40001);
    private static final InetSocketAddress CLIENT_V6 = sa("2001:db8:100::10", 40002);
    private static final InetSocketAddress FRONT_V4 = sa("198.51.100.1", 8443);
    private static final InetSocketAddress FRONT_V6 = sa("2001:db8:100::1", 8443);

    private final EmbeddedChannel loopOwner = new EmbeddedChannel();
    private final LocalAddresses local = new LocalAddresses();

    @AfterEach
    void close() {
        loopOwner.finishAndReleaseAll();
        local.close();
    }

    private static InetSocketAddress sa(String address, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(address), port);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private TransparentSource option(String words) throws Exception {
        SourceSpec spec = SourceSpec.parse(new Fakes.LineWords(words));
        return new TransparentSource(spec, spec.transparent() ? Fakes.IP_TRANSPARENT : null, local, "test.cfg:7");
    }

    private ConnectRequest prepare(TransparentSource option, InetSocketAddress server, Facts facts) {
        ConnectRequest request = new ConnectRequest(loopOwner.eventLoop(), server, new ChannelInboundHandlerAdapter(), 5000);
        option.prepare(request, facts);
        return request;
    }

    private static void assertTransparent(ConnectRequest request) {
        Map<ChannelOption<?>, Object> options = request.options();
        assertEquals(Boolean.TRUE, options.get(Fakes.IP_TRANSPARENT), "IP_TRANSPARENT set: " + options);
        assertEquals(Boolean.TRUE, options.get(ChannelOption.SO_REUSEADDR), "SO_REUSEADDR set: " + options);
    }

    @Test
    void isASocketStageOption() throws Exception {
        assertEquals(ServerOption.STAGE_SOCKET, option("* usesrc client").stage());
    }

    @Test
    void clientBindsTheClientsAddressAndPortV4() throws Exception {
        ConnectRequest r = prepare(option("* usesrc client"), SERVER_V4, Fakes.facts(CLIENT_V4, FRONT_V4));

        assertEquals(CLIENT_V4, r.local());
        assertTransparent(r);
    }

    @Test
    void clientBindsTheClientsAddressAndPortV6() throws Exception {
        ConnectRequest r = prepare(option("* usesrc client"), SERVER_V6, Fakes.facts(CLIENT_V6, FRONT_V6));

        assertEquals(CLIENT_V6, r.local());
        assertInstanceOf(Inet6Address.class, r.local().getAddress());
        assertTransparent(r);
    }

    @Test
    void clientipBindsTheClientsAddressWithPortZero() throws Exception {
        TransparentSource o = option("* usesrc clientip");

        ConnectRequest v4 = prepare(o, SERVER_V4, Fakes.facts(CLIENT_V4, FRONT_V4));
        ConnectRequest v6 = prepare(o, SERVER_V6, Fakes.facts(CLIENT_V6, FRONT_V6));

        assertEquals(new InetSocketAddress(CLIENT_V4.getAddress(), 0), v4.local());
        assertEquals(new InetSocketAddress(CLIENT_V6.getAddress(), 0), v6.local());
        assertTransparent(v4);
        assertTransparent(v6);
    }

    @Test
    void theSourceAddressOfAUsesrcLineIsNotTheBind() throws Exception {
        // HAProxy: with usesrc, <addr> only serves health checks; connections use the client's.
        ConnectRequest r = prepare(option("203.0.113.1 usesrc client"), sa("203.0.113.40", 5000),
                Fakes.facts(CLIENT_V4, FRONT_V4));

        assertEquals(CLIENT_V4, r.local());
        assertTransparent(r);
    }

    @Test
    void anIpv4ClientOnAnIpv6ServerIsRefusedNeverMapped() throws Exception {
        TransparentSource o = option("* usesrc client");

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> prepare(o, SERVER_V6, Fakes.facts(CLIENT_V4, FRONT_V4)));

        assertTrue(e.getMessage().contains("IPv4 client cannot be bound transparently on an IPv6 server connection"),
                e.getMessage());
        assertTrue(e.getMessage().contains("route v4 clients to a v4 server"), e.getMessage());
    }

    @Test
    void anIpv6ClientOnAnIpv4ServerIsRefused() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> prepare(option("* usesrc clientip"), SERVER_V4, Fakes.facts(CLIENT_V6, FRONT_V6)));

        assertTrue(e.getMessage().contains("IPv6 client cannot be bound transparently on an IPv4 server connection"),
                e.getMessage());
    }

    @Test
    void aMappedClientAddressIsUnmappedToIpv4() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(CLIENT_V4.getAddress().getAddress(), 0, mapped, 12, 4);
        // Inet6Address.getByAddress keeps the mapped form (InetAddress.getByAddress would not).
        InetSocketAddress mappedClient = new InetSocketAddress(Inet6Address.getByAddress(null, mapped, 0), 40001);

        ConnectRequest r = prepare(option("* usesrc client"), SERVER_V4, Fakes.facts(mappedClient, FRONT_V4));

        assertInstanceOf(Inet4Address.class, r.local().getAddress());
        assertEquals(CLIENT_V4, r.local());
    }

    @Test
    void localClientsFallBackToClientipAndAreCounted() throws Exception {
        local.set(LocalAddresses.of(List.of(
                new LocalAddresses.InterfaceEntry(InetAddress.getByName("192.0.2.1"), 24, false),
                new LocalAddresses.InterfaceEntry(InetAddress.getByName("203.0.113.1"), 24, true))));
        TransparentSource o = option("* usesrc client");
        record Case(InetSocketAddress client, InetSocketAddress front, InetSocketAddress server) {
        }
        List<Case> cases = List.of(
                new Case(sa("127.0.0.1", 50001), sa("127.0.0.1", 8443), SERVER_V4),
                new Case(sa("127.8.9.10", 50002), sa("127.0.0.1", 8443), SERVER_V4),
                new Case(sa("::1", 50003), sa("::1", 8443), SERVER_V6),
                // A client that connected from the very address it connected to.
                new Case(sa("198.51.100.1", 50004), FRONT_V4, SERVER_V4),
                // An interface address, and the whole prefix of a loopback alias.
                new Case(sa("192.0.2.1", 50005), FRONT_V4, SERVER_V4),
                new Case(sa("203.0.113.77", 50006), FRONT_V4, SERVER_V4));

        for (Case c : cases) {
            ConnectRequest r = prepare(o, c.server, Fakes.facts(c.client, c.front));
            assertEquals(new InetSocketAddress(c.client.getAddress(), 0), r.local(), c.toString());
            assertTransparent(r);
        }

        assertEquals(cases.size(), o.localFallbacks());
        // A remote client keeps its port and is not counted.
        assertEquals(CLIENT_V4, prepare(o, SERVER_V4, Fakes.facts(CLIENT_V4, FRONT_V4)).local());
        assertEquals(cases.size(), o.localFallbacks());
    }

    @Test
    void clientipDoesNotCountLocalClients() throws Exception {
        TransparentSource o = option("* usesrc clientip");

        prepare(o, SERVER_V4, Fakes.facts(sa("127.0.0.1", 50001), sa("127.0.0.1", 8443)));

        assertEquals(0, o.localFallbacks());
    }

    @Test
    void usesrcAddressBindsThatAddressTransparently() throws Exception {
        ConnectRequest r = prepare(option("* usesrc 198.51.100.7:4000"), SERVER_V4, Fakes.facts(CLIENT_V4, FRONT_V4));

        assertEquals(sa("198.51.100.7", 4000), r.local());
        assertTransparent(r);
    }

    @Test
    void usesrcAddressOfTheOtherFamilyIsRefused() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> prepare(option("* usesrc 198.51.100.7"), SERVER_V6, Fakes.facts(CLIENT_V6, FRONT_V6)));

        assertTrue(e.getMessage().contains("usesrc address is IPv4 but the server"), e.getMessage());
    }

    @Test
    void plainSourceBindsWithoutTransparency() throws Exception {
        ConnectRequest r = prepare(option("192.0.2.1"), SERVER_V4, Fakes.facts(CLIENT_V4, FRONT_V4));

        assertEquals(sa("192.0.2.1", 0), r.local());
        assertNull(r.options().get(Fakes.IP_TRANSPARENT));
    }

    @Test
    void plainWildcardSetsNothing() throws Exception {
        ConnectRequest r = prepare(option("*"), SERVER_V6, Fakes.facts(CLIENT_V4, FRONT_V4));

        assertNull(r.local());
        assertTrue(r.options().isEmpty(), r.options().toString());
    }

    @Test
    void plainWildcardWithAPortFollowsTheServersFamily() throws Exception {
        TransparentSource o = option("*:2000");

        assertEquals(sa("0.0.0.0", 2000), prepare(o, SERVER_V4, Fakes.facts(CLIENT_V4, FRONT_V4)).local());
        assertEquals(sa("::", 2000), prepare(o, SERVER_V6, Fakes.facts(CLIENT_V4, FRONT_V4)).local());
    }

    @Test
    void plainSourceOfTheOtherFamilyIsRefused() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> prepare(option("192.0.2.1"), SERVER_V6, Fakes.facts(CLIENT_V6, FRONT_V6)));

        assertTrue(e.getMessage().contains("source address is IPv4 but the server"), e.getMessage());
    }

    @Test
    void anUnknownClientAddressIsRefused() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> prepare(option("* usesrc client"), SERVER_V4, Fakes.facts(null, FRONT_V4)));

        assertTrue(e.getMessage().contains("client's address is unknown"), e.getMessage());
    }

    @Test
    void unmapLeavesOrdinaryAddressesAlone() throws Exception {
        InetAddress v6 = InetAddress.getByName("2001:db8::1");
        InetAddress v4 = InetAddress.getByName("192.0.2.1");

        assertEquals(v6, TransparentSource.unmap(v6));
        assertEquals(v4, TransparentSource.unmap(v4));
    }
}
