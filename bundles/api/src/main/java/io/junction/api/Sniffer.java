package io.junction.api;

import io.netty.buffer.ByteBuf;

/**
 * Reads a protocol's opening from the client's first bytes (a TLS ClientHello, an HTTP request
 * head, an SSH identification string) and records what it found as {@link Facts}.
 *
 * <p>A sniffer <b>peeks and never consumes</b>: it reads with absolute indexes (or restores the
 * reader index) so that the core can replay every byte to the chosen backend untouched, as
 * Netty's {@code SslClientHelloHandler} does. The core runs only the sniffers whose fetches the
 * listener's rules use, and stops calling one once it returned {@link SniffResult#DONE} or
 * {@link SniffResult#NOT_APPLICABLE}.
 *
 * <p>Register with {@value FetchProvider#FETCHES} (the fetches it fills) and
 * {@value #PROTOCOL} (a short protocol name for logs and counters).
 */
public interface Sniffer extends FetchProvider {

    /** Service property (String): the protocol this sniffer recognises, e.g. {@code tls}. */
    String PROTOCOL = "junction.protocol";

    /**
     * Config time: how many bytes this sniffer may need at most to reach a verdict. The core
     * buffers at most the largest peek limit among a listener's sniffers; when that many bytes
     * arrived without a verdict, inspection ends with what is known. Implementations say in a
     * comment why their limit is what it is.
     */
    int peekLimit();

    /**
     * Event loop: examines the bytes received so far.
     *
     * <p>{@code in} holds every byte received since the connection was accepted, from its
     * reader index, and grows between calls. The sniffer must not change {@code in}'s reader or
     * writer index (or must restore them), must not release it and must not keep a reference
     * to it after returning; the core owns and releases it. Values put into {@code out} must
     * not refer to {@code in}'s memory (copy what you keep, e.g. the SNI as a String).
     *
     * <p>Must not block. Must not throw on malformed input: malformed is
     * {@link SniffResult#NOT_APPLICABLE}.
     *
     * @return {@link SniffResult#NEED_MORE}, {@link SniffResult#DONE} or
     *         {@link SniffResult#NOT_APPLICABLE}
     */
    SniffResult sniff(ByteBuf in, Facts out);
}
