package io.junction.api;

/**
 * A compiled sample fetch: one fetch keyword with its arguments bound, e.g.
 * {@code req.ssl_sni} or {@code hdr(host)}. Created by a {@link FetchProvider} at config time,
 * called once per rule evaluation.
 */
public interface Fetch {

    /** Config time: the type of the values {@link #sample} returns. */
    SampleType type();

    /**
     * Event loop: the sample for this connection, or {@code null} when it is not (yet) known,
     * in which case every ACL on it is false (HAProxy: a fetch that fails matches nothing).
     * Must not block and should not allocate: return a value the sniffer already stored.
     */
    Object sample(Facts facts);

    /**
     * Config time: whether a present sample may still change while the sniffer reads more
     * (HAProxy's "may change" samples, e.g. {@code req.len}). A non-matching sample of such a
     * fetch leaves its rule undecided until the sniffer finishes or inspection ends, so that
     * {@code req.len ge 100} waits for 100 bytes instead of failing on the first read.
     */
    default boolean mayChange() {
        return false;
    }
}
