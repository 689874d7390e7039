package io.junction.sniffer.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.junction.api.SniffResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * While a head is incomplete the sniffer is called again on every read: those calls scan, they do
 * not parse, and allocate nothing. Measured with the JVM's per-thread allocation counter.
 */
class AllocationTest {

    @Test
    void incompleteHeadsAndForeignBytesAllocateNothing() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());

        HttpSniffer sniffer = new HttpSniffer(HttpSniffer.DEFAULT_MAX_HEAD_BYTES);
        // Wrapped arrays: not tracked by the leak detector, whose access records would allocate.
        ByteBuf partial = Unpooled.wrappedBuffer(("GET /index.html?x=1 HTTP/1.1\r\nHost: app1.example.com\r\n"
                + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
                + "Accept: text/html,application/xhtml+xml\r\nCookie: a=1; b=2\r\nX-Half: no end yet")
                .getBytes(StandardCharsets.ISO_8859_1));
        ByteBuf tls = Unpooled.wrappedBuffer(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
        MapFacts facts = new MapFacts();
        try {
            for (int i = 0; i < 20_000; i++) {
                sniffer.sniff(partial, facts);
                sniffer.sniff(tls, facts);
            }
            assertEquals(SniffResult.NEED_MORE, sniffer.sniff(partial, facts));
            assertEquals(SniffResult.NOT_APPLICABLE, sniffer.sniff(tls, facts));

            int calls = 10_000;
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < calls; i++) {
                sniffer.sniff(partial, facts);
                sniffer.sniff(tls, facts);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // One object per call would be at least 16 bytes x 20,000; leave room for the
            // counter's own noise only.
            assertTrue(allocated < 4096, allocated + " bytes allocated in " + 2 * calls + " sniffs");
            assertTrue(facts.isEmpty());
        } finally {
            partial.release();
            tls.release();
        }
    }
}
