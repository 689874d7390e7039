package io.junction.sniffer.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.junction.api.FactKey;
import io.junction.api.Facts;
import io.junction.api.SniffResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The common case, a hello in one record, allocates nothing but the facts themselves. Measured
 * with the JVM's per-thread allocation counter on a hello without SNI and ALPN (whose facts are
 * shared constants), so that any allocation is the parser's own.
 */
class AllocationTest {

    /** Facts in fixed arrays: storing allocates nothing, unlike a map. */
    private static final class ArrayFacts implements Facts {
        private final FactKey<?>[] keys = new FactKey<?>[16];
        private final Object[] values = new Object[16];
        private int size;

        void clear() {
            size = 0;
        }

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

    @Test
    void singleRecordHelloAllocatesNothing() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());

        TlsSniffer sniffer = new TlsSniffer(TlsSniffer.DEFAULT_MAX_HELLO_BYTES);
        // A wrapped array: not tracked by the leak detector, whose access records would allocate.
        ByteBuf hello = Unpooled.wrappedBuffer(Hellos.clientHello(null));
        ArrayFacts facts = new ArrayFacts();
        try {
            for (int i = 0; i < 20_000; i++) {
                facts.clear();
                sniffer.sniff(hello, facts);
            }
            assertEquals(SniffResult.DONE, sniffer.sniff(hello, facts));

            int calls = 10_000;
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < calls; i++) {
                facts.clear();
                sniffer.sniff(hello, facts);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // One object per call would be at least 16 bytes x 10,000; leave room for the
            // counter's own noise only.
            assertTrue(allocated < 4096, allocated + " bytes allocated in " + calls + " sniffs");
            assertEquals(0x30004L, facts.get(TlsFacts.VERSION));
        } finally {
            hello.release();
        }
    }
}
