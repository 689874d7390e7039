package io.junction.matcher.net.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.junction.api.ConfigException;
import io.junction.api.Fetch;
import io.junction.api.SampleType;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code src_is_local} through the real component (activated by hand, as SCR would) against this
 * host's interfaces. Only InetAddress objects are built; no packet is sent anywhere.
 */
class LocalAddressesTest {
    private LocalAddressFetch component;
    private Fetch fetch;

    @BeforeEach
    void activate() throws ConfigException {
        component = new LocalAddressFetch();
        component.activate();
        fetch = component.compile("src_is_local", List.of(), IpMatcherFactoryTest.CONTEXT);
    }

    @AfterEach
    void deactivate() {
        component.deactivate();
    }

    private Object sample(String literal) throws Exception {
        return fetch.sample(new TestFacts(new InetSocketAddress(InetAddress.getByName(literal), 40000)));
    }

    @Test
    void loopbackIpv4IsLocal() throws Exception {
        assertSame(Boolean.TRUE, sample("127.0.0.1"));
    }

    @Test
    void loopbackIpv6IsLocalWhenTheHostHasIt() throws Exception {
        assumeTrue(hasAddress(InetAddress.getByName("::1")), "this host has no ::1 (IPv6 disabled)");
        assertSame(Boolean.TRUE, sample("::1"));
    }

    @Test
    void documentationAddressesAreNotLocal() throws Exception {
        // RFC 5737 / RFC 3849 documentation ranges: never configured on a real host.
        assumeTrue(!hasAddress(InetAddress.getByName("192.0.2.77")));
        assertSame(Boolean.FALSE, sample("192.0.2.77"));
        assertSame(Boolean.FALSE, sample("2001:db8::77"));
    }

    @Test
    void wholeLoopbackPrefixIsLocalAsTheKernelSays() throws Exception {
        // Linux puts 127.0.0.1/8 on lo and a local route for all of 127/8: 127.0.0.2 is bindable.
        assumeTrue(loopbackPrefix() == 8, "loopback is not 127.0.0.1/8 here");
        assertSame(Boolean.TRUE, sample("127.0.0.2"));
        assertSame(Boolean.TRUE, sample("127.255.255.254"));
        assertSame(Boolean.FALSE, sample("128.0.0.1"));
    }

    @Test
    void everyAddressOfAnInterfaceThatIsUpIsLocal() throws Exception {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp()) {
                continue;
            }
            for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                assertSame(Boolean.TRUE, fetch.sample(new TestFacts(new InetSocketAddress(ia.getAddress(), 1))),
                        ni.getName() + " " + ia.getAddress());
            }
        }
    }

    @Test
    void fetchIsBooleanAndTakesNoArguments() {
        assertEquals(SampleType.BOOLEAN, fetch.type());
        assertThrows(ConfigException.class,
                () -> component.compile("src_is_local", List.of("x"), IpMatcherFactoryTest.CONTEXT));
        assertThrows(ConfigException.class, () -> component.compile("src", List.of(), IpMatcherFactoryTest.CONTEXT));
    }

    @Test
    void noSourceAddressIsNoSample() throws Exception {
        TestFacts facts = new TestFacts(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1));
        facts.overrideAddresses(InetSocketAddress.createUnresolved("example.invalid", 1), facts.destination());
        assertNull(fetch.sample(facts));
    }

    private static boolean hasAddress(InetAddress address) throws Exception {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                InetAddress a = ia.getAddress();
                if (a instanceof Inet6Address && address instanceof Inet6Address
                        && java.util.Arrays.equals(a.getAddress(), address.getAddress())) {
                    return true;
                }
                if (a instanceof Inet4Address && a.equals(address)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int loopbackPrefix() throws Exception {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (ni.isLoopback()) {
                for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                    if (ia.getAddress().equals(InetAddress.getByName("127.0.0.1"))) {
                        return ia.getNetworkPrefixLength();
                    }
                }
            }
        }
        return -1;
    }
}
