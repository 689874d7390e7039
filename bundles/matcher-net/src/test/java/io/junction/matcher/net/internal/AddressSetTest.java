package io.junction.matcher.net.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The range set against a naive "mask and compare each network" oracle, on random networks and
 * random addresses (seeded, so a failure reproduces), plus the merge of nested and overlapping
 * networks that makes the binary search correct.
 */
class AddressSetTest {

    @Test
    void nestedAndOverlappingNetworksAreMerged() {
        AddressSet set = new AddressSet.Builder()
                .addV4(0x0A000000, 8)      // 10.0.0.0/8
                .addV4(0x0A010000, 16)     // 10.1.0.0/16, inside
                .addV4(0x0B000000, 8)      // 11.0.0.0/8, separate
                .addV6(0x20010DB800000000L, 0, 32)
                .addV6(0x20010DB800000000L, 1, 128)
                .build();
        assertEquals(2, set.v4Ranges());
        assertEquals(1, set.v6Ranges());
        assertTrue(set.containsV4(0x0A7F0001));
        assertTrue(set.containsV4(0x0BFFFFFF));
        assertFalse(set.containsV4(0x0C000000));
        assertFalse(set.containsV4(0x09FFFFFF));
    }

    @Test
    void emptySetMatchesNothing() {
        assertFalse(AddressSet.EMPTY.containsV4(0));
        assertFalse(AddressSet.EMPTY.containsV6(0, 0));
        assertFalse(AddressSet.EMPTY.hasV4());
        assertFalse(AddressSet.EMPTY.hasV6());
    }

    @Test
    void v4AgreesWithNaiveMaskingOnRandomNetworks() {
        Random random = new Random(0x5EED);
        for (int round = 0; round < 200; round++) {
            int n = 1 + random.nextInt(50);
            List<int[]> nets = new ArrayList<>();
            AddressSet.Builder builder = new AddressSet.Builder();
            for (int i = 0; i < n; i++) {
                int addr = random.nextInt();
                int len = random.nextInt(33);
                nets.add(new int[] {addr, len});
                builder.addV4(addr, len);
            }
            AddressSet set = builder.build();
            for (int probe = 0; probe < 200; probe++) {
                // Half the probes near a network, so that matches are frequent.
                int a = probe % 2 == 0 ? random.nextInt() : nets.get(random.nextInt(n))[0] ^ random.nextInt(256);
                boolean expected = false;
                for (int[] net : nets) {
                    long mask = AddressSet.v4Mask(net[1]);
                    expected |= ((a & 0xFFFF_FFFFL) & mask) == ((net[0] & 0xFFFF_FFFFL) & mask);
                }
                assertEquals(expected, set.containsV4(a), "round " + round + " probe " + Integer.toHexString(a));
            }
        }
    }

    @Test
    void v6AgreesWithNaiveMaskingOnRandomNetworks() {
        Random random = new Random(0xC1D8);
        for (int round = 0; round < 200; round++) {
            int n = 1 + random.nextInt(50);
            List<long[]> nets = new ArrayList<>();
            AddressSet.Builder builder = new AddressSet.Builder();
            for (int i = 0; i < n; i++) {
                long hi = random.nextLong();
                long lo = random.nextLong();
                int len = random.nextInt(129);
                nets.add(new long[] {hi, lo, len});
                builder.addV6(hi, lo, len);
            }
            AddressSet set = builder.build();
            for (int probe = 0; probe < 200; probe++) {
                long[] near = nets.get(random.nextInt(n));
                long hi;
                long lo;
                switch (probe % 3) {
                    case 0 -> {
                        hi = random.nextLong();
                        lo = random.nextLong();
                    }
                    case 1 -> {
                        hi = near[0];
                        lo = random.nextLong();
                    }
                    default -> {
                        hi = near[0] ^ random.nextInt(16);
                        lo = near[1];
                    }
                }
                boolean expected = false;
                for (long[] net : nets) {
                    int len = (int) net[2];
                    long mh = AddressSet.v6MaskHi(len);
                    long ml = AddressSet.v6MaskLo(len);
                    expected |= (hi & mh) == (net[0] & mh) && (lo & ml) == (net[1] & ml);
                }
                assertEquals(expected, set.containsV6(hi, lo), "round " + round + " probe " + probe);
            }
        }
    }

    @Test
    void masks() {
        assertEquals(0L, AddressSet.v4Mask(0));
        assertEquals(0x8000_0000L, AddressSet.v4Mask(1));
        assertEquals(0xFFFF_FFFFL, AddressSet.v4Mask(32));
        assertEquals(0L, AddressSet.v6MaskHi(0));
        assertEquals(0x8000_0000_0000_0000L, AddressSet.v6MaskHi(1));
        assertEquals(-1L, AddressSet.v6MaskHi(64));
        assertEquals(0L, AddressSet.v6MaskLo(64));
        assertEquals(0x8000_0000_0000_0000L, AddressSet.v6MaskLo(65));
        assertEquals(-1L, AddressSet.v6MaskLo(128));
    }
}
