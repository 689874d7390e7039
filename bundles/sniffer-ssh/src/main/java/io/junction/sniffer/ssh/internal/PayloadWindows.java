package io.junction.sniffer.ssh.internal;

import io.junction.api.ConfigException;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The payload windows compiled against one {@link PayloadSniffer}, so that its {@code sniff},
 * which sees the client's bytes but not the configuration, knows which bytes to copy.
 *
 * <p><b>Why a registry.</b> A {@link io.junction.api.Fetch} receives only the connection's
 * {@link io.junction.api.Facts}, never the buffer, so a window's bytes must be copied into a fact
 * while the sniffer holds the buffer. The sniffer therefore has to know every window the
 * configurations use: {@link #window} records each distinct {@code (OFFSET, LENGTH)} at compile
 * time and hands out one shared {@link PayloadFetch} per window.
 *
 * <p><b>Lifetime.</b> The registry references windows weakly: a compiled configuration keeps its
 * windows alive, and once a reload dropped every configuration that used a window (and the garbage
 * collector noticed), the next compile or {@link #peekLimit()} frees its slot. Until then the
 * window is still copied for new connections: the registry is a superset of the windows in use,
 * which costs a bounded copy (at most {@value #MAX_WINDOWS} x {@value #MAX_LENGTH} bytes per
 * connection, in practice a few bytes) and never a wrong sample.
 *
 * <p><b>Layout.</b> What {@code sniff} reads is an immutable {@link Layout} in a volatile field,
 * replaced on every change (copy-on-write): an event loop reads it without a lock, and a
 * connection keeps the layout it started with. Slots are stable while their window lives, so a
 * window's slot indexes the same entry in every layout that contains it.
 *
 * <p>Threads: {@link #window}, {@link #len} and {@link #peekLimit} at config time (any thread,
 * serialized by a lock, never blocking for long); {@link #layout} on event loops, lock-free.
 */
final class PayloadWindows {

    /**
     * Most distinct live windows (req.len counts as one). A configuration needs a handful
     * (HAProxy users write one or two, e.g. {@code payload(0,7)}); the bound keeps the per
     * connection copy work and memory bounded even if a configuration generator went wild.
     */
    static final int MAX_WINDOWS = 64;

    /**
     * Most bytes in one window: 1 KiB. Windows are compared against patterns, not parsed, and
     * every byte is copied once per connection; protocol signatures are a few bytes long.
     */
    static final int MAX_LENGTH = 1024;

    /**
     * Largest {@code OFFSET + LENGTH}: 16 KiB, HAProxy's default {@code tune.bufsize}, beyond
     * which HAProxy cannot fetch either; a window with LENGTH 0 counts as
     * {@value #MAX_LENGTH} bytes long. It is also the peek limit a {@code req.len} rule asks for:
     * HAProxy's {@code req.len} measures a buffer of that size.
     */
    static final int MAX_END = 16 * 1024;

    /** {@link PayloadFetch#length} and {@link Layout} length of req.len. */
    static final int LEN = -1;

    /** {@link Layout} length of a free slot. */
    static final int FREE = -2;

    /**
     * What sniff time needs to know: per slot the offset and length of its window ({@link #FREE},
     * {@link #LEN}, 0 for "to the end", or the window length). Immutable; holds no reference to a
     * {@link PayloadFetch}, so it never keeps a window alive.
     */
    static final class Layout {
        static final Layout EMPTY = new Layout(new int[0], new int[0]);

        final int[] offsets;
        final int[] lengths;
        /** A window with LENGTH 0 or req.len is live: their samples grow with every read. */
        final boolean openEnded;
        /** Bytes needed to fill every live window, at least 1. */
        final int peekLimit;

        Layout(int[] offsets, int[] lengths) {
            this.offsets = offsets;
            this.lengths = lengths;
            boolean open = false;
            int limit = 1;
            for (int i = 0; i < lengths.length; i++) {
                int len = lengths[i];
                if (len == FREE) {
                    continue;
                }
                open |= len == LEN || len == 0;
                limit = Math.max(limit, end(offsets[i], len));
            }
            this.openEnded = open;
            this.peekLimit = limit;
        }

        int slots() {
            return lengths.length;
        }
    }

    /** The bytes a window spans for the peek limit and the {@link #MAX_END} check. */
    static int end(int offset, int length) {
        if (length == LEN) {
            return MAX_END;
        }
        return offset + (length == 0 ? MAX_LENGTH : length);
    }

    private final Object lock = new Object();
    /** Index = slot; a null or cleared reference is a free slot. Guarded by {@link #lock}. */
    private final List<WeakReference<PayloadFetch>> slots = new ArrayList<>();
    private volatile Layout layout = Layout.EMPTY;

    /**
     * Config time: the shared fetch for the window {@code [offset, offset + length)}
     * ({@code length} 0: from {@code offset} to the end, at most {@value #MAX_LENGTH} bytes).
     * The caller has checked the bounds.
     *
     * @throws ConfigException when {@value #MAX_WINDOWS} distinct windows are already live
     */
    PayloadFetch window(int offset, int length) throws ConfigException {
        if (offset < 0 || length < 0 || length > MAX_LENGTH || end(offset, length) > MAX_END) {
            throw new IllegalArgumentException("window out of bounds: " + offset + "," + length);
        }
        return register(offset, length);
    }

    /** Config time: the shared fetch for {@code req.len}. */
    PayloadFetch len() throws ConfigException {
        return register(0, LEN);
    }

    private PayloadFetch register(int offset, int length) throws ConfigException {
        synchronized (lock) {
            int free = -1;
            for (int slot = 0; slot < slots.size(); slot++) {
                PayloadFetch f = slots.get(slot).get();
                if (f == null) {
                    if (free < 0) {
                        free = slot;
                    }
                } else if (f.offset == offset && f.length == length) {
                    return f;
                }
            }
            if (free < 0) {
                if (slots.size() >= MAX_WINDOWS) {
                    throw new ConfigException("more than " + MAX_WINDOWS + " distinct req.payload windows in use "
                            + "(req.len counts as one); use fewer distinct (OFFSET,LENGTH) pairs, e.g. one wider "
                            + "window matched with -m beg");
                }
                free = slots.size();
                slots.add(null);
            }
            PayloadFetch f = new PayloadFetch(free, offset, length);
            slots.set(free, new WeakReference<>(f));
            rebuild();
            return f;
        }
    }

    /**
     * Config time: the bytes this registry's live windows need, at least 1 (see
     * {@link Layout#peekLimit}). Forgets windows that were collected first, so that a window a
     * reload removed stops inflating the peek limit.
     */
    int peekLimit() {
        synchronized (lock) {
            boolean cleared = false;
            for (WeakReference<PayloadFetch> ref : slots) {
                cleared |= ref.get() == null;
            }
            if (cleared) {
                rebuild();
            }
            return layout.peekLimit;
        }
    }

    /** Event loop, lock-free: the current layout (a connection keeps the one it started with). */
    Layout layout() {
        return layout;
    }

    /** How many windows are live, for tests and logs. Config time. */
    int size() {
        synchronized (lock) {
            int n = 0;
            for (WeakReference<PayloadFetch> ref : slots) {
                n += ref.get() == null ? 0 : 1;
            }
            return n;
        }
    }

    /** Under {@link #lock}: publishes a new layout of the live windows; trailing free slots go. */
    private void rebuild() {
        while (!slots.isEmpty() && slots.get(slots.size() - 1).get() == null) {
            slots.remove(slots.size() - 1);
        }
        int n = slots.size();
        int[] offsets = new int[n];
        int[] lengths = new int[n];
        Arrays.fill(lengths, FREE);
        for (int slot = 0; slot < n; slot++) {
            PayloadFetch f = slots.get(slot).get();
            if (f != null) {
                offsets[slot] = f.offset;
                lengths[slot] = f.length;
            }
        }
        layout = new Layout(offsets, lengths);
    }
}
