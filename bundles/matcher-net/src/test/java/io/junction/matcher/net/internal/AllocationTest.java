package io.junction.matcher.net.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.junction.api.Fetch;
import io.junction.api.Matcher;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A match allocates nothing: measured with the JVM's per-thread allocation counter over many
 * matches, after a warm-up so that JIT and class loading are out of the way. "Nothing" is checked
 * as "far below one object per match": 10,000 matches that each allocated even a 16-byte object
 * would show 160 KB.
 */
class AllocationTest {
    private com.sun.management.ThreadMXBean threads;

    @BeforeEach
    void counter() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
    }

    @Test
    void ipv4HashCodeIsTheAddressOnThisJdk() throws Exception {
        // Not an assumption hidden in the code: if this fails, v4() falls back to getAddress().
        assertTrue(SampleAddresses.V4_HASHCODE_IS_ADDRESS);
        assertEquals(0xC0000201, SampleAddresses.v4((java.net.Inet4Address) InetAddress.getByName("192.0.2.1")));
    }

    @Test
    void ipv4MatchesAllocateNothing() throws Exception {
        Matcher m = IpMatcherFactoryTest.compile(List.of("10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12", "::/0"));
        // Distinct address objects, as distinct connections have.
        List<InetAddress> samples = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            samples.add(InetAddress.getByName("10.0." + i + ".1"));
            samples.add(InetAddress.getByName("203.0.113." + i));
        }
        int hits = run(m, samples, 20_000);
        long before = threads.getCurrentThreadAllocatedBytes();
        hits = run(m, samples, 10_000);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(5_000, hits);
        assertTrue(allocated < 4096, allocated + " bytes allocated in 10000 IPv4 matches");
    }

    @Test
    void ipv6MatchesOnOneConnectionAllocateNothing() throws Exception {
        Matcher m = IpMatcherFactoryTest.compile(List.of("2001:db8::/32", "fe80::/10", "0.0.0.0/0"));
        // One connection's address object, evaluated by many rules.
        List<InetAddress> samples = List.of(InetAddress.getByName("2001:db8:1:2::99"));
        run(m, samples, 20_000);
        long before = threads.getCurrentThreadAllocatedBytes();
        int hits = run(m, samples, 10_000);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(10_000, hits);
        assertTrue(allocated < 4096, allocated + " bytes allocated in 10000 IPv6 matches of one address");
    }

    @Test
    void srcIsLocalAllocatesNothingForIpv4() throws Exception {
        LocalAddresses local = new LocalAddresses();
        local.refresh();
        Fetch fetch = new LocalAddressFetch.LocalFetch(local);
        TestFacts facts = new TestFacts(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 40000));
        for (int i = 0; i < 20_000; i++) {
            fetch.sample(facts);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        int trues = 0;
        for (int i = 0; i < 10_000; i++) {
            if (fetch.sample(facts) == Boolean.TRUE) {
                trues++;
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(10_000, trues);
        assertTrue(allocated < 4096, allocated + " bytes allocated in 10000 src_is_local fetches");
    }

    private static int run(Matcher m, List<InetAddress> samples, int count) {
        int hits = 0;
        int n = samples.size();
        for (int i = 0; i < count; i++) {
            if (m.matches(samples.get(i % n))) {
                hits++;
            }
        }
        return hits;
    }
}
