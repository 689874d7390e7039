package io.junction.backend.transparent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalAddressesTest {

    private static InetAddress a(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void inet4HashCodeIsTheBigEndianAddress() throws Exception {
        // LocalAddresses relies on it to avoid getAddress()'s copy on the event loop.
        for (String s : List.of("0.0.0.0", "127.0.0.1", "192.0.2.1", "203.0.113.255", "255.255.255.255")) {
            InetAddress a = a(s);
            assertEquals(ByteBuffer.wrap(a.getAddress()).getInt(), a.hashCode(), s);
        }
    }

    @Test
    void loopbackAndTheDestinationAreLocalWithoutASnapshot() throws Exception {
        try (LocalAddresses local = new LocalAddresses()) {
            assertTrue(local.contains(a("127.0.0.1"), null));
            assertTrue(local.contains(a("127.200.0.1"), null));
            assertTrue(local.contains(a("::1"), null));
            assertTrue(local.contains(a("198.51.100.1"), a("198.51.100.1")));
            assertFalse(local.contains(a("198.51.100.10"), a("198.51.100.1")));
            assertFalse(local.contains(a("2001:db8::10"), null));
        }
    }

    @Test
    void aSnapshotHoldsAddressesAndLoopbackPrefixes() throws Exception {
        LocalAddresses.Snapshot s = LocalAddresses.of(List.of(
                new LocalAddresses.InterfaceEntry(a("192.0.2.1"), 24, false),
                new LocalAddresses.InterfaceEntry(a("203.0.113.1"), 24, true),
                new LocalAddresses.InterfaceEntry(a("10.0.0.1"), 4, true),
                new LocalAddresses.InterfaceEntry(a("2001:db8:2::1"), 64, false)));

        assertTrue(s.contains(a("192.0.2.1")));
        assertFalse(s.contains(a("192.0.2.2")), "only the address of a non-loopback interface");
        assertTrue(s.contains(a("203.0.113.1")));
        assertTrue(s.contains(a("203.0.113.200")), "the whole prefix of a loopback alias");
        assertFalse(s.contains(a("203.0.114.1")));
        assertTrue(s.contains(a("10.0.0.1")));
        assertFalse(s.contains(a("11.0.0.1")), "a loopback prefix shorter than /8 is not trusted");
        assertTrue(s.contains(a("2001:db8:2::1")));
        assertFalse(s.contains(a("2001:db8:2::2")));
    }

    @Test
    void theRealInterfacesIncludeLoopback() throws Exception {
        try (LocalAddresses local = new LocalAddresses()) {
            local.start();
            assertTrue(LocalAddresses.read().contains(a("127.0.0.1")));
        }
    }
}
