package io.junction.sniffer.ssh.internal;

import io.junction.api.FactKey;
import io.junction.api.SniffResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One connection's payload facts, stored as a single fact under {@link #KEY}: the copied bytes of
 * every window of the layout the connection started with, and {@code req.len}. One fact rather
 * than one per window because the core bounds the facts of a connection (32 in the core today)
 * and the TLS and SSH sniffers need some of them too.
 *
 * <p>Copies, never references to the core's buffer (the Sniffer contract): each window is copied
 * into its own byte array once it is complete and wrapped in an unpooled heap buffer, read-only.
 * Such a buffer is not leak-tracked and holds no pooled memory, so nobody needs to release it;
 * the garbage collector takes it with the connection's facts.
 *
 * <p>Event loop only (the connection's), like {@link io.junction.api.Facts}; not thread-safe.
 */
final class PayloadState {

    /** The key of this fact; named after the fetch for logs. */
    static final FactKey<PayloadState> KEY = FactKey.of("req.payload", PayloadState.class);

    private final PayloadWindows.Layout layout;
    /** Per slot of {@link #layout}: the window's bytes once known, else null. */
    private final ByteBuf[] views;
    private int received = -1;
    private Long receivedBoxed;

    PayloadState(PayloadWindows.Layout layout) {
        this.layout = layout;
        this.views = new ByteBuf[layout.slots()];
    }

    /**
     * Event loop: records what {@code in} holds now: its length ({@code req.len}) and the bytes of
     * every window that just became complete (a window with LENGTH 0 is copied again whenever it
     * grew, up to {@link PayloadWindows#MAX_LENGTH} bytes). Reads with absolute indexes from the
     * reader index; never moves, retains or releases {@code in}.
     *
     * @return {@link SniffResult#DONE} when every window is filled and none grows any more (no
     *         LENGTH 0 window and no req.len in the layout), else {@link SniffResult#NEED_MORE}
     */
    SniffResult update(ByteBuf in) {
        final int base = in.readerIndex();
        final int readable = in.readableBytes();
        if (readable != received) {
            received = readable;
            receivedBoxed = (long) readable; // one Long per read that brought bytes, while inspecting
        }
        boolean complete = !layout.openEnded;
        int[] offsets = layout.offsets;
        int[] lengths = layout.lengths;
        for (int slot = 0; slot < lengths.length; slot++) {
            int length = lengths[slot];
            int offset = offsets[slot];
            if (length > 0) {
                if (views[slot] == null) {
                    if (readable - offset >= length) {
                        views[slot] = copy(in, base + offset, length);
                    } else {
                        complete = false;
                    }
                }
            } else if (length == 0 && readable >= offset) {
                // HAProxy: "the whole buffer from <offset> to the end"; empty when exactly
                // <offset> bytes are there. Bounded by MAX_LENGTH, so a copy stays small.
                int available = Math.min(readable - offset, PayloadWindows.MAX_LENGTH);
                ByteBuf view = views[slot];
                if (view == null || view.readableBytes() != available) {
                    views[slot] = copy(in, base + offset, available);
                }
            }
        }
        return complete ? SniffResult.DONE : SniffResult.NEED_MORE;
    }

    private static ByteBuf copy(ByteBuf in, int index, int length) {
        if (length == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        byte[] bytes = new byte[length];
        in.getBytes(index, bytes);
        return Unpooled.wrappedBuffer(bytes).asReadOnly();
    }

    /** Event loop: {@code req.len}, the bytes received when the sniffer last ran. */
    Long received() {
        return receivedBoxed;
    }

    /**
     * Event loop: the bytes of the window in {@code slot}, or null while they are not all there.
     * The offset and length are checked against the layout so that a slot reused by another
     * window after a reload can never yield the wrong bytes.
     */
    ByteBuf view(int slot, int offset, int length) {
        if (slot >= views.length || layout.offsets[slot] != offset || layout.lengths[slot] != length) {
            return null;
        }
        return views[slot];
    }
}
