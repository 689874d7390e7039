package io.junction.listener.tls.internal;

import io.junction.api.ConfigException;
import io.netty.handler.ssl.CipherSuiteConverter;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * Parsing of the TLS parameters written on a bind line ({@code ssl-min-ver}, {@code ciphers},
 * {@code alpn}, ...) into what the JDK's TLS engine takes, and the defaults. Config time only.
 */
final class TlsParams {

    /** Protocol versions by rank, in the JDK's names; HAProxy writes TLSv1.0 for the first. */
    static final List<String> VERSIONS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");

    /** Default lowest version: TLS 1.2. TLS 1.0 and 1.1 are deprecated by RFC 8996. */
    static final int DEFAULT_MIN = 2;
    /** Default highest version: TLS 1.3 (RFC 8446). */
    static final int DEFAULT_MAX = 3;

    /**
     * Default TLS 1.2 suites: the forward-secret AEAD suites of Mozilla's "intermediate"
     * profile without DHE (whose parameters the JDK generates slowly and which modern clients no
     * longer need), in Mozilla's order. The JDK's own default list also enables CBC and static
     * RSA key exchange suites, which we leave off.
     */
    static final List<String> DEFAULT_TLS12 = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** Default TLS 1.3 suites: all three that RFC 8446 section 9.1 makes usual. */
    static final List<String> DEFAULT_TLS13 = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    private TlsParams() {
    }

    /**
     * @param written {@code TLSv1.0}, {@code TLSv1.1}, {@code TLSv1.2} or {@code TLSv1.3} (HAProxy's
     *        names; {@code TLSv1} is accepted too)
     * @return the version's rank in {@link #VERSIONS}
     */
    static int version(String keyword, String written) throws ConfigException {
        switch (written) {
            case "TLSv1.0", "TLSv1":
                return 0;
            case "TLSv1.1":
                return 1;
            case "TLSv1.2":
                return 2;
            case "TLSv1.3":
                return 3;
            case "SSLv3":
                throw new ConfigException(keyword + " SSLv3: SSL 3.0 is broken (RFC 7568) and the JDK cannot speak it");
            default:
                throw new ConfigException(keyword + " '" + written + "': expected TLSv1.0, TLSv1.1, TLSv1.2 or TLSv1.3");
        }
    }

    /** The JDK protocol names from rank {@code min} to rank {@code max}. */
    static String[] protocols(int min, int max) {
        return VERSIONS.subList(min, max + 1).toArray(new String[0]);
    }

    /**
     * Parses a colon-separated cipher list as HAProxy's {@code ciphers} (TLS 1.2 and below) or
     * {@code ciphersuites} (TLS 1.3) take it. Names may be OpenSSL's
     * ({@code ECDHE-RSA-AES128-GCM-SHA256}) or IANA's ({@code TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256});
     * OpenSSL's cipher-list language ({@code HIGH}, {@code !aNULL}, {@code +SHA}) is not: the JDK
     * has no such language, and guessing what it would select is worse than asking for names.
     *
     * @param tls13 true for {@code ciphersuites}
     * @return the JDK names, in the order written
     * @throws ConfigException for an unknown name, a suite of the wrong TLS version, or one the
     *         JDK does not support
     */
    static List<String> ciphers(String keyword, String written, boolean tls13) throws ConfigException {
        Set<String> out = new LinkedHashSet<>();
        Set<String> supported = Supported.SUITES;
        for (String token : written.split("[:,]")) {
            String t = token.trim();
            if (t.isEmpty()) {
                continue;
            }
            if (t.startsWith("!") || t.startsWith("+") || t.startsWith("-") || t.equals(t.toUpperCase()) && !t.contains("-")
                    && !t.contains("_")) {
                throw new ConfigException(keyword + ": '" + t + "' is an OpenSSL cipher-list keyword; Junction's JDK TLS"
                        + " engine takes explicit cipher names only, e.g. ECDHE-RSA-AES128-GCM-SHA256");
            }
            String java = t.startsWith("TLS_") || t.startsWith("SSL_") ? t : CipherSuiteConverter.toJava(t, "TLS");
            if (java == null) {
                throw new ConfigException(keyword + ": unknown or unsupported cipher '" + t + "'");
            }
            boolean is13 = DEFAULT_TLS13.contains(java) || java.startsWith("TLS_AES_") || java.startsWith("TLS_CHACHA20_");
            if (is13 != tls13) {
                throw new ConfigException(keyword + ": '" + t + "' is a TLS " + (is13 ? "1.3" : "1.2") + " suite; write it in '"
                        + (is13 ? "ciphersuites" : "ciphers") + "'");
            }
            if (!supported.contains(java)) {
                throw new ConfigException(keyword + ": unknown or unsupported cipher '" + t + "'"
                        + (t.equals(java) ? "" : " (" + java + ")") + ": this JDK does not have it");
            }
            out.add(java);
        }
        if (out.isEmpty()) {
            throw new ConfigException(keyword + ": no cipher named");
        }
        return List.copyOf(out);
    }

    /** The defaults the JDK supports (CHACHA20 needs JDK 12+, which Java 17 has). */
    static List<String> supported(List<String> names) {
        List<String> out = new ArrayList<>(names.size());
        for (String n : names) {
            if (Supported.SUITES.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * Parses an ALPN protocol list, comma-separated as HAProxy writes it ({@code h2,http/1.1}).
     * RFC 7301 section 3.1: each name is 1 to 255 bytes.
     */
    static List<String> alpn(String keyword, String written) throws ConfigException {
        List<String> out = new ArrayList<>();
        for (String p : written.split(",", -1)) {
            if (p.isEmpty() || p.getBytes(StandardCharsets.UTF_8).length > 255) {
                throw new ConfigException(keyword + " '" + written + "': each protocol name must be 1 to 255 bytes");
            }
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return List.copyOf(out);
    }

    /** The cipher suites this JDK can negotiate, read once. */
    private static final class Supported {
        static final Set<String> SUITES;

        static {
            Set<String> s;
            try {
                s = Set.copyOf(Arrays.asList(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites()));
            } catch (NoSuchAlgorithmException e) {
                s = Set.of();
            }
            SUITES = s;
        }
    }
}
