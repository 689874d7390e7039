package io.junction.listener.tls.internal;

/**
 * Thrown from the SNI lookup when {@code strict-sni} refuses a ClientHello. Two shared,
 * stackless instances: a refused handshake costs no allocation and no stack walk, since a client
 * can trigger it at will.
 */
final class StrictSniRefusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The client sent no server name. TLS alert handshake_failure (40, RFC 8446 section 6.2). */
    static final StrictSniRefusal NO_SNI = new StrictSniRefusal("strict-sni: no server name in the ClientHello", 40);

    /**
     * The client's server name matches no certificate. TLS alert unrecognized_name (112), which
     * RFC 6066 section 3 names for this case.
     */
    static final StrictSniRefusal UNKNOWN_NAME = new StrictSniRefusal("strict-sni: no certificate for this server name",
            112);

    private final int alert;

    private StrictSniRefusal(String message, int alert) {
        super(message, null, false, false);
        this.alert = alert;
    }

    /** The TLS AlertDescription to send before closing. */
    int alert() {
        return alert;
    }
}
