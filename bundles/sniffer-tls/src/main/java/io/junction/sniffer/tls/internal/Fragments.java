package io.junction.sniffer.tls.internal;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * Maps a position in a handshake message that spans several TLS records to its index in the
 * connection's buffer, so that the ClientHello is parsed where it lies, through the record
 * framing, without copying it (RFC 8446 section 5.1: "a single message MAY be fragmented across
 * several records").
 *
 * <p>Only built for a hello that spans records, once all of its records arrived; a single-record
 * hello is parsed with plain absolute indexes and needs no map. Owned by one call of
 * {@link ClientHelloParser#parse}, on the event loop; holds no reference to the buffer.
 */
final class Fragments {
    /** Index in the buffer of each record's first fragment byte. */
    private final int[] bufferIndex;
    /** Position in the handshake message of each record's first fragment byte (strictly increasing). */
    private final int[] messageOffset;
    /** The record the previous lookup landed in: the parser mostly reads forward. */
    private int last;

    private Fragments(int[] bufferIndex, int[] messageOffset) {
        this.bufferIndex = bufferIndex;
        this.messageOffset = messageOffset;
    }

    /**
     * Maps the first {@code records} records starting at {@code start}, which
     * {@link ClientHelloParser#parse} already validated (handshake type, non-empty, complete).
     */
    static Fragments of(ByteBuf in, int start, int records) {
        int[] bufferIndex = new int[records];
        int[] messageOffset = new int[records];
        int record = start;
        int offset = 0;
        for (int i = 0; i < records; i++) {
            int length = in.getUnsignedShort(record + 3);
            bufferIndex[i] = record + ClientHelloParser.RECORD_HEADER_LENGTH;
            messageOffset[i] = offset;
            offset += length;
            record += ClientHelloParser.RECORD_HEADER_LENGTH + length;
        }
        return new Fragments(bufferIndex, messageOffset);
    }

    /** The buffer index of message position {@code position} (which the caller bounds-checked). */
    int index(int position) {
        int i = last;
        int n = messageOffset.length;
        if (position < messageOffset[i] || (i + 1 < n && position >= messageOffset[i + 1])) {
            if (i + 1 < n && position >= messageOffset[i + 1] && (i + 2 >= n || position < messageOffset[i + 2])) {
                i++; // the common case: the read crossed into the next record
            } else {
                int found = Arrays.binarySearch(messageOffset, position);
                i = found >= 0 ? found : -found - 2;
            }
            last = i;
        }
        return bufferIndex[i] + (position - messageOffset[i]);
    }
}
