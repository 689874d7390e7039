package io.junction.api;

/**
 * What a {@link Sniffer} concluded from the bytes seen so far, as Netty's
 * {@code ProtocolDetectionState}. Shared constants: returning one allocates nothing.
 */
public enum SniffResult {
    /** The bytes so far are a prefix of this protocol's opening; call again when more arrive. */
    NEED_MORE,
    /** The opening was read; the sniffer has put every fact it can into {@link Facts}. */
    DONE,
    /** The bytes are not this protocol; the sniffer put nothing and will not be asked again. */
    NOT_APPLICABLE
}
