package io.junction.api;

/**
 * The type of value a {@link Fetch} yields, as HAProxy's sample types. It picks the default
 * match method when an ACL names none ({@code -m}): {@code str} for {@link #STRING},
 * {@code int} for {@link #INTEGER}, {@code bool} for {@link #BOOLEAN}, {@code ip} for
 * {@link #ADDRESS}, {@code bin} for {@link #BINARY}.
 *
 * <p>The Java type of a sample is fixed per sample type, so that matchers need not guess:
 * {@link CharSequence}, {@link Long}, {@link Boolean}, {@link java.net.InetAddress} and
 * {@link io.netty.buffer.ByteBuf} (a read-only view that the matcher must not retain or
 * release). A multi-valued fetch (a list of ALPN protocols) yields a
 * {@link java.util.List} of such values; a matcher matches when any element matches.
 */
public enum SampleType {
    STRING("str"),
    INTEGER("int"),
    BOOLEAN("bool"),
    ADDRESS("ip"),
    BINARY("bin");

    private final String defaultMethod;

    SampleType(String defaultMethod) {
        this.defaultMethod = defaultMethod;
    }

    /** The match method used when an ACL does not name one. */
    public String defaultMethod() {
        return defaultMethod;
    }
}
