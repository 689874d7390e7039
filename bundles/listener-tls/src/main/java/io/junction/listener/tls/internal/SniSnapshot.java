package io.junction.listener.tls.internal;

import io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The certificates of one bind line, indexed for SNI: which TLS context answers a ClientHello
 * for a given server name. Built at config time or by the reloader, then read by event loops;
 * immutable, so a reload swaps a whole snapshot and a handshake never sees half of one.
 *
 * <p>Selection, as HAProxy does it: an exact name first, then a wildcard certificate whose
 * {@code *.} covers exactly the first label (RFC 6125 section 6.4.3: {@code *.example.com}
 * matches {@code a.example.com}, not {@code a.b.example.com} nor {@code example.com}), then the
 * default: the first certificate loaded (the first {@code crt} of the line, the first file of a
 * directory). With {@code strict-sni} there is no default: a ClientHello without a server name or
 * with one that no certificate covers is refused. When several certificates of the same key type
 * name the same host, the first loaded wins; certificates of different key types (RSA and ECDSA)
 * for the same name share one context and the handshake picks by the client's preferences.
 */
final class SniSnapshot {
    private final Map<String, SslContext> exact;
    private final Map<String, SslContext> wildcard;
    private final SslContext fallback;
    private final boolean strict;
    private final int certificates;
    private final int contexts;

    private SniSnapshot(Map<String, SslContext> exact, Map<String, SslContext> wildcard, SslContext fallback,
            boolean strict, int certificates, int contexts) {
        this.exact = exact;
        this.wildcard = wildcard;
        this.fallback = fallback;
        this.strict = strict;
        this.certificates = certificates;
        this.contexts = contexts;
    }

    /** Builds one TLS context from the certificates that answer for one name. */
    @FunctionalInterface
    interface ContextFactory {
        SslContext build(List<CertEntry> group) throws Exception;
    }

    /**
     * Config time or the reloader thread (CPU only, no I/O): groups the certificates by name and
     * builds one TLS context per distinct group.
     *
     * @param entries at least one certificate, in load order
     * @throws Exception what {@code factory} throws (an invalid parameter combination)
     */
    static SniSnapshot build(List<CertEntry> entries, boolean strict, ContextFactory factory) throws Exception {
        // name -> the certificates for it, at most one per key type, first loaded first.
        Map<String, List<CertEntry>> byName = new LinkedHashMap<>();
        for (CertEntry e : entries) {
            for (String name : e.names()) {
                List<CertEntry> group = byName.computeIfAbsent(name, n -> new ArrayList<>(2));
                if (group.stream().noneMatch(g -> g.keyType().equals(e.keyType()))) {
                    group.add(e);
                }
            }
        }
        Map<List<CertEntry>, SslContext> built = new HashMap<>();
        Map<String, SslContext> exact = new HashMap<>();
        Map<String, SslContext> wildcard = new HashMap<>();
        for (Map.Entry<String, List<CertEntry>> e : byName.entrySet()) {
            SslContext ctx = context(built, e.getValue(), factory);
            String name = e.getKey();
            if (name.startsWith("*.")) {
                wildcard.put(name.substring(2), ctx);
            } else if (name.indexOf('*') < 0) {
                exact.put(name, ctx);
            }
            // Partial wildcards (f*.example.com) are not honoured by clients either (RFC 9525
            // section 6.3 drops them): never selected.
        }
        CertEntry first = entries.get(0);
        List<CertEntry> defaultGroup = first.names().isEmpty() ? List.of(first) : byName.get(first.names().get(0));
        SslContext fallback = context(built, defaultGroup, factory);
        return new SniSnapshot(Map.copyOf(exact), Map.copyOf(wildcard), fallback, strict, entries.size(), built.size());
    }

    private static SslContext context(Map<List<CertEntry>, SslContext> built, List<CertEntry> group,
            ContextFactory factory) throws Exception {
        SslContext ctx = built.get(group);
        if (ctx == null) {
            ctx = factory.build(List.copyOf(group));
            built.put(List.copyOf(group), ctx);
        }
        return ctx;
    }

    /**
     * Event loop, during a ClientHello: the context for {@code serverName}.
     *
     * @param serverName the SNI host name, or null when the client sent none
     * @return the context, or null when {@code strict-sni} refuses this name
     */
    SslContext lookup(String serverName) {
        if (serverName == null || serverName.isEmpty()) {
            return strict ? null : fallback;
        }
        String name = serverName;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                name = CertEntry.normalize(name);
                break;
            }
        }
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        SslContext ctx = exact.get(name);
        if (ctx == null) {
            int dot = name.indexOf('.');
            if (dot > 0) {
                ctx = wildcard.get(name.substring(dot + 1));
            }
        }
        if (ctx == null && !strict) {
            ctx = fallback;
        }
        return ctx;
    }

    /** How many certificates were loaded, for logs. */
    int certificates() {
        return certificates;
    }

    /** How many TLS contexts they make, for logs and tests. */
    int contexts() {
        return contexts;
    }
}
