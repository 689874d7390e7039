package io.junction.sniffer.tls.internal;

import io.junction.api.FactKey;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.SampleType;

/**
 * The compiled fetches this bundle serves. None takes arguments, so each keyword compiles to one
 * shared constant. A fetch only reads the fact the sniffer stored: it never parses and never
 * allocates.
 */
enum TlsFetch implements Fetch {
    SSL_SNI("req.ssl_sni", SampleType.STRING, TlsFacts.SNI),
    SSL_HELLO_TYPE("req.ssl_hello_type", SampleType.INTEGER, TlsFacts.HELLO_TYPE),
    SSL_ALPN("req.ssl_alpn", SampleType.STRING, TlsFacts.ALPN),
    SSL_VER("req.ssl_ver", SampleType.INTEGER, TlsFacts.VERSION),
    SSL_EC_EXT("req.ssl_ec_ext", SampleType.BOOLEAN, TlsFacts.EC_EXT),
    SSL_ECH("req.ssl_ech", SampleType.BOOLEAN, TlsFacts.ECH);

    private final String keyword;
    private final SampleType type;
    private final FactKey<?> key;

    TlsFetch(String keyword, SampleType type, FactKey<?> key) {
        this.keyword = keyword;
        this.type = type;
        this.key = key;
    }

    /** The fetch keyword, as listed in the service property {@code junction.fetch}. */
    String keyword() {
        return keyword;
    }

    /** Config time: the fetch for {@code keyword}, or {@code null} when this bundle does not serve it. */
    static TlsFetch forKeyword(String keyword) {
        for (TlsFetch fetch : values()) {
            if (fetch.keyword.equals(keyword)) {
                return fetch;
            }
        }
        return null;
    }

    /** Config time: the sample type ({@code req.ssl_alpn} is a multi-valued STRING: a {@code List<String>}). */
    @Override
    public SampleType type() {
        return type;
    }

    /**
     * Event loop: the value the sniffer stored for this connection, or {@code null} while the
     * ClientHello has not been read (or was not a ClientHello). Does not block or allocate.
     */
    @Override
    public Object sample(Facts facts) {
        return facts.get(key);
    }

    @Override
    public String toString() {
        return keyword;
    }
}
