package io.junction.sniffer.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.junction.api.ConfigException;
import io.junction.api.FactKey;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.Matcher;
import io.junction.api.SampleType;
import io.junction.api.SniffResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The per-read and per-evaluation paths allocate nothing: the SSH sniffer while a line is
 * incomplete or not SSH, a payload fetch's sample, and the bin matcher. Measured with the JVM's
 * per-thread allocation counter.
 */
class AllocationTest {

    /** Facts in fixed arrays: reading allocates nothing, unlike a map's boxing of nothing. */
    private static final class ArrayFacts implements Facts {
        private final FactKey<?>[] keys = new FactKey<?>[8];
        private final Object[] values = new Object[8];
        private int size;

        @Override
        public InetSocketAddress source() {
            return null;
        }

        @Override
        public InetSocketAddress destination() {
            return null;
        }

        @Override
        public void overrideAddresses(InetSocketAddress source, InetSocketAddress destination) {
        }

        @Override
        public boolean tlsTerminated() {
            return false;
        }

        @Override
        public boolean inspectionEnded() {
            return false;
        }

        @Override
        public <T> T get(FactKey<T> key) {
            for (int i = 0; i < size; i++) {
                if (keys[i] == key) {
                    return key.type().cast(values[i]);
                }
            }
            return null;
        }

        @Override
        public <T> void put(FactKey<T> key, T value) {
            keys[size] = key;
            values[size++] = value;
        }
    }

    private static long allocatedBy(int calls, BooleanSupplier body) {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        boolean sink = false;
        for (int i = 0; i < 20_000; i++) {
            sink ^= body.getAsBoolean(); // warm up: let the JIT compile (and scalar-replace) first
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < calls; i++) {
            sink ^= body.getAsBoolean();
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(sink || !sink);
        return allocated;
    }

    @Test
    void sshSnifferAllocatesNothingBeforeDone() {
        SshSniffer sniffer = new SshSniffer();
        // Wrapped arrays: not tracked by the leak detector, whose access records would allocate.
        ByteBuf partial = Unpooled.wrappedBuffer("SSH-2.0-OpenSSH_9.6 Debian-2".getBytes(StandardCharsets.US_ASCII));
        ByteBuf tls = Unpooled.wrappedBuffer(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00});
        ArrayFacts facts = new ArrayFacts();
        try {
            assertEquals(SniffResult.NEED_MORE, sniffer.sniff(partial, facts));
            assertEquals(SniffResult.NOT_APPLICABLE, sniffer.sniff(tls, facts));
            int calls = 10_000;
            long allocated = allocatedBy(calls, () -> sniffer.sniff(partial, facts) == SniffResult.NEED_MORE
                    & sniffer.sniff(tls, facts) == SniffResult.NOT_APPLICABLE);
            // One object per call would be at least 16 bytes x 10,000; leave room for the
            // counter's own noise only.
            assertTrue(allocated < 4096, allocated + " bytes allocated in " + calls + " sniffs");
        } finally {
            partial.release();
            tls.release();
        }
    }

    @Test
    void payloadSampleAndBinMatchAllocateNothing() throws ConfigException {
        PayloadSniffer sniffer = new PayloadSniffer();
        Fetch window = sniffer.compile("payload", List.of("0", "7"), null);
        Fetch len = sniffer.compile("req.len", List.of(), null);
        Matcher bin = new BinMatcherFactory().compile("bin", SampleType.BINARY, List.of("5353482d322e30"), false, null);
        ArrayFacts facts = new ArrayFacts();
        ByteBuf in = Unpooled.wrappedBuffer("SSH-2.0-OpenSSH_9.6\r\n".getBytes(StandardCharsets.US_ASCII));
        try {
            sniffer.sniff(in, facts);
        } finally {
            in.release();
        }
        assertTrue(bin.matches(window.sample(facts)));
        int calls = 10_000;
        long allocated = allocatedBy(calls, () -> bin.matches(window.sample(facts)) & len.sample(facts) != null);
        assertTrue(allocated < 4096, allocated + " bytes allocated in " + calls + " samples and matches");
    }
}
