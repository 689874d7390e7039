package io.junction.backend.proxy.internal;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Process-wide counters of this bundle: what happened to PROXY headers received on
 * {@code accept-proxy} / {@code expect-proxy} connections, and headers sent. Static
 * {@link LongAdder}s (cheap to increment from every event loop); each failure's debug log line
 * carries the running total of its reason, so a {@code grep} of the debug log gives the counts
 * until a metrics bundle exposes them.
 */
final class ProxyCounters {

    private ProxyCounters() {
    }

    /** Why a connection that had to start with a PROXY header was closed, or that it was fine. */
    enum Received {
        /** A valid header was decoded and applied (not a failure). */
        DECODED("decoded"),
        /** The first bytes are neither "PROXY " (v1) nor the v2 signature (spec 2.2: drop the connection). */
        NOT_PROXY("not a PROXY protocol header"),
        /** v2 signature followed by a version other than 2 (spec 2.2: accept only \x2). */
        BAD_VERSION("unsupported PROXY protocol version"),
        /** v2 command other than LOCAL or PROXY (spec 2.2: drop the connection). */
        BAD_COMMAND("unknown PROXY v2 command"),
        /** The codec rejected the header: bad family, addresses, ports, TLVs, v1 syntax. */
        MALFORMED("malformed PROXY header"),
        /** Longer than allowed: a v1 line without CRLF in 107 bytes (spec 2.1), a v2 header over the cap. */
        OVERSIZED("PROXY header too long"),
        /** The client closed (or half-closed) its side in the middle of the header. */
        TRUNCATED("connection closed in the middle of the PROXY header"),
        /** The client closed before sending any byte. */
        EMPTY("connection closed before any PROXY header byte"),
        /** The header did not complete within the header timeout. */
        TIMEOUT("no complete PROXY header in time"),
        /** The header completed only after the core had stopped waiting for it. */
        LATE("PROXY header completed after the inspect delay"),
        /** A socket error (reset) while waiting for the header. */
        ABORTED("connection error while waiting for the PROXY header");

        final String description;
        final LongAdder count = new LongAdder();

        Received(String description) {
            this.description = description;
        }
    }

    /** Headers written by send-proxy options. */
    static final LongAdder SENT = new LongAdder();

    /**
     * Headers sent as v1 {@code UNKNOWN} / v2 {@code LOCAL} because the source and destination are
     * of different families (see {@link ProxyHeaderWriter}).
     */
    static final LongAdder SENT_UNKNOWN = new LongAdder();

    /** A snapshot of the receive counters, for tests and diagnostics. */
    static Map<Received, Long> received() {
        Map<Received, Long> out = new EnumMap<>(Received.class);
        for (Received r : Received.values()) {
            out.put(r, r.count.sum());
        }
        return out;
    }
}
