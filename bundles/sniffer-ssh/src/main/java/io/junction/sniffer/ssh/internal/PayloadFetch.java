package io.junction.sniffer.ssh.internal;

import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.SampleType;

/**
 * One compiled {@code req.payload(OFFSET,LENGTH)} window, or {@code req.len}. There is one
 * instance per distinct window per {@link PayloadSniffer} (see {@link PayloadWindows}): the
 * compiled configurations that use a window hold it strongly, the registry only weakly, so a
 * window that no configuration uses any more is forgotten once collected.
 *
 * <p>{@link #sample} reads what {@link PayloadState} copied at sniff time: it never touches the
 * connection's buffer (it has none) and allocates nothing.
 */
final class PayloadFetch implements Fetch {

    private static final Long ZERO = 0L;

    final int slot;
    final int offset;
    /** Bytes of the window; 0 = from {@link #offset} to the end; {@link PayloadWindows#LEN} for req.len. */
    final int length;

    PayloadFetch(int slot, int offset, int length) {
        this.slot = slot;
        this.offset = offset;
        this.length = length;
    }

    boolean isLen() {
        return length == PayloadWindows.LEN;
    }

    /**
     * Config time: {@link SampleType#INTEGER} for {@code req.len}, {@link SampleType#BINARY} (a
     * read-only {@link io.netty.buffer.ByteBuf} view) for a window.
     */
    @Override
    public SampleType type() {
        return isLen() ? SampleType.INTEGER : SampleType.BINARY;
    }

    /** Config time: req.len grows with every read, and a length-0 window grows with the buffer. */
    @Override
    public boolean mayChange() {
        return isLen() || length == 0;
    }

    /**
     * Event loop: the sample for this connection. Does not block or allocate.
     *
     * <p>A window: a read-only heap {@link io.netty.buffer.ByteBuf} holding a copy of the
     * window's bytes (readable from index 0), or {@code null} while fewer than
     * {@code OFFSET + LENGTH} bytes arrived (with LENGTH 0: fewer than OFFSET). The view is not
     * leak-tracked and needs no release; a matcher must read it with absolute indexes and must
     * neither retain nor release it (the same view serves every ACL on this window).
     *
     * <p>{@code req.len}: the number of bytes received so far as a {@link Long}, updated on every
     * read while inspection lasts. Before the first byte it is unknown ({@code null}), so a rule
     * on it waits, until inspection ends: then it is 0, so {@code req.len 0} means "the client
     * sent nothing within the inspect delay" (a server-first protocol, as HAProxy users write).
     */
    @Override
    public Object sample(Facts facts) {
        PayloadState state = facts.get(PayloadState.KEY);
        if (isLen()) {
            if (state == null) {
                return facts.inspectionEnded() ? ZERO : null;
            }
            return state.received();
        }
        return state == null ? null : state.view(slot, offset, length);
    }

    /** Any thread: the keyword as written in a configuration, for logs and the shell. */
    @Override
    public String toString() {
        return isLen() ? "req.len" : "req.payload(" + offset + "," + length + ")";
    }
}
