package io.junction.listener.tls.internal;

import io.junction.api.ConfigException;
import io.junction.tls.pem.Pem;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.Mapping;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS settings of one {@code bind} line and the certificates they serve.
 *
 * <p><b>Why one object per line.</b> The core parses a bind line keyword by keyword, calling the
 * provider once for {@code ssl}, once for each {@code crt}, once for {@code alpn} and so on, in
 * the order written; yet they all describe one TLS context. So every keyword of a line is folded
 * into one {@code BindTls} (the provider finds it by the line's
 * {@link io.junction.api.ConfigContext}, which the core creates once per line and per
 * compilation and passes to every option of the line), and the {@code ssl}
 * keyword's option is the one that does the work at accept. The other keywords' options only
 * carry their settings here.
 *
 * <p><b>When the contexts are built.</b> Certificates are read while {@code crt} is parsed, so a
 * missing or broken file is a {@link ConfigException} on that line. The TLS contexts are built
 * (CPU only, no I/O) as soon as the line's last TLS keyword is parsed: the provider sees that the
 * next word is not one of its keywords. If that guess is ever wrong (a later keyword of ours
 * after another bundle's keyword), the settings change marks the contexts stale and they are
 * rebuilt then, or at the latest by {@link #prepare()} on the config thread before the socket
 * binds, or, for a socket kept across a configuration reload (which calls no prepare), by the
 * first accepted connection.
 *
 * <p><b>Reload.</b> Once in use, the line registers with the {@link CertificateReloader}, whose
 * daemon thread compares the certificate files' size, time and inode every few seconds and,
 * when they changed, loads them and swaps a new {@link SniSnapshot} in; handshakes that start
 * afterwards use it, established connections keep theirs. A file that fails to load (half
 * written, key and certificate not yet both replaced) keeps the previous certificates and is
 * retried at the next check.
 *
 * <p><b>Threads.</b> Settings are written on the config thread while the line is parsed;
 * building and reloading hold this object's lock; event loops read the volatile snapshot only.
 */
final class BindTls implements Mapping<String, SslContext> {
    private static final Logger LOG = LoggerFactory.getLogger(BindTls.class);

    private final String location;
    private final TlsCounters counters;

    // ---- settings, written at parse time
    private boolean ssl;
    private final List<CertificateSource> sources = new ArrayList<>(2);
    private final List<CertEntry> loaded = new ArrayList<>();
    private List<String> alpn = DEFAULT_ALPN;
    private List<String> tls12Ciphers;
    private List<String> tls13Ciphers;
    private int minVersion = TlsParams.DEFAULT_MIN;
    private int maxVersion = TlsParams.DEFAULT_MAX;
    private boolean strictSni;
    private Path caFile;
    private boolean systemCa;
    private ClientAuth verify = ClientAuth.NONE;

    // ---- built state
    private volatile SniSnapshot snapshot;
    private volatile boolean stale = true;
    private String fingerprint;
    private String failedFingerprint;
    private volatile boolean registered;

    /**
     * The ALPN protocols offered when the line names none: none, as HAProxy in {@code mode tcp}.
     * HAProxy 2.8+ offers {@code h2,http/1.1} by default on HTTP frontends, but a bind option
     * cannot see its frontend's mode, and offering {@code h2} where nothing behind speaks HTTP/2
     * (a TCP-mode relay to an HTTP/1.1 server, or an HTTP mode without HTTP/2) breaks every
     * browser, while offering nothing only costs HTTP/2. Write {@code alpn h2,http/1.1} to get it.
     */
    static final List<String> DEFAULT_ALPN = List.of();

    BindTls(String location, TlsCounters counters) {
        this.location = location;
        this.counters = counters;
    }

    String location() {
        return location;
    }

    // ------------------------------------------------------------------ settings (config thread)

    synchronized void ssl() {
        ssl = true;
        stale = true;
    }

    /** Loads the certificates of one {@code crt} argument now, so that errors name this line. */
    synchronized void crt(Path path) throws ConfigException {
        CertificateSource source = CertificateSource.of(path);
        loaded.addAll(source.load());
        sources.add(source);
        stale = true;
    }

    synchronized void alpn(List<String> protocols) {
        alpn = protocols;
        stale = true;
    }

    synchronized void ciphers(List<String> suites, boolean tls13) {
        if (tls13) {
            tls13Ciphers = suites;
        } else {
            tls12Ciphers = suites;
        }
        stale = true;
    }

    synchronized void minVersion(int rank) {
        minVersion = rank;
        stale = true;
    }

    synchronized void maxVersion(int rank) {
        maxVersion = rank;
        stale = true;
    }

    synchronized void strictSni() {
        strictSni = true;
        stale = true;
    }

    synchronized void caFile(Path file) throws ConfigException {
        Pem.certificates(file);
        caFile = file;
        systemCa = false;
        stale = true;
    }

    synchronized void systemCa() {
        caFile = null;
        systemCa = true;
        stale = true;
    }

    synchronized void verify(ClientAuth mode) {
        verify = mode;
        stale = true;
    }

    // ------------------------------------------------------------------ validation and build

    /**
     * The problems of the line as a whole, or null. Only meaningful once the whole line was
     * parsed: {@code ssl} needs a {@code crt}, {@code crt} needs {@code ssl}, and so on.
     */
    synchronized String problem() {
        if (ssl && sources.isEmpty()) {
            return "'ssl' needs at least one 'crt FILE|DIR' on the same bind line (the certificate chain and its"
                    + " private key in PEM)";
        }
        if (!ssl && !sources.isEmpty()) {
            return "'crt' without 'ssl' on the same bind line: add 'ssl' to terminate TLS with this certificate";
        }
        if (!ssl) {
            return "TLS settings without 'ssl' on the same bind line: add 'ssl crt FILE'";
        }
        if (minVersion > maxVersion) {
            return "ssl-min-ver " + TlsParams.VERSIONS.get(minVersion) + " is above ssl-max-ver "
                    + TlsParams.VERSIONS.get(maxVersion);
        }
        if (verify != ClientAuth.NONE && caFile == null && !systemCa) {
            return "'verify " + (verify == ClientAuth.REQUIRE ? "required" : "optional")
                    + "' checks client certificates and needs 'ca-file FILE' (or ca-file @system-ca)";
        }
        return null;
    }

    /** Whether enough is known to build contexts (settings may still come). */
    private boolean buildable() {
        return ssl && !sources.isEmpty() && minVersion <= maxVersion
                && (verify == ClientAuth.NONE || caFile != null || systemCa);
    }

    /**
     * Config thread, right after one of this line's keywords was parsed.
     *
     * @param endOfLine whether the line has no more words, so that the line can be judged whole
     * @param nextIsOurs whether the next word is another keyword of this bundle (then wait for it)
     * @throws ConfigException the line's problem (at its end) or a context that cannot be built
     */
    synchronized void parsed(boolean endOfLine, boolean nextIsOurs) throws ConfigException {
        if (endOfLine) {
            String problem = problem();
            if (problem != null) {
                throw new ConfigException(problem);
            }
        }
        if (!nextIsOurs && buildable() && stale) {
            build();
        }
    }

    /**
     * Config thread, before the listening socket binds: the line must be whole and valid now.
     * Starts watching the certificate files.
     *
     * @throws IllegalStateException with the line's problem (the core reports it as file:line)
     */
    void prepare(CertificateReloader reloader) {
        ready();
        register(reloader);
    }

    /**
     * The current snapshot, built first if the settings changed since (config thread, or an
     * event loop in the one case described in the class comment: CPU only, no file I/O).
     *
     * @throws IllegalStateException when the line is invalid or a context cannot be built
     */
    SniSnapshot ready() {
        SniSnapshot s = snapshot;
        if (s != null && !stale) {
            return s;
        }
        synchronized (this) {
            if (snapshot != null && !stale) {
                return snapshot;
            }
            String problem = problem();
            if (problem != null) {
                throw new IllegalStateException(problem);
            }
            try {
                build();
            } catch (ConfigException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            return snapshot;
        }
    }

    /** Starts watching the certificate files, once. Any thread; does not block. */
    void register(CertificateReloader reloader) {
        if (!registered && reloader != null) {
            registered = true;
            reloader.watch(this);
        }
    }

    private void build() throws ConfigException {
        String fp = fingerprintNow();
        snapshot = buildSnapshot(List.copyOf(loaded));
        fingerprint = fp;
        stale = false;
    }

    private SniSnapshot buildSnapshot(List<CertEntry> entries) throws ConfigException {
        Params p = params();
        try {
            return SniSnapshot.build(entries, strictSni, group -> context(group, p));
        } catch (ConfigException e) {
            throw e;
        } catch (Exception e) {
            throw new ConfigException("cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    /** The settings as the context builder takes them, computed once per build. */
    private record Params(String[] protocols, List<String> ciphers, ApplicationProtocolConfig alpn,
            ClientAuth clientAuth, X509Certificate[] trust, boolean systemTrust) {
    }

    private Params params() throws ConfigException {
        List<String> ciphers = new ArrayList<>();
        // Suites of versions outside [min, max] are harmless: the engine never offers them.
        ciphers.addAll(tls13Ciphers != null ? tls13Ciphers : TlsParams.supported(TlsParams.DEFAULT_TLS13));
        ciphers.addAll(tls12Ciphers != null ? tls12Ciphers : TlsParams.supported(TlsParams.DEFAULT_TLS12));
        ApplicationProtocolConfig apn = alpn.isEmpty() ? null
                : new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        // No overlap with the client's list: carry on without ALPN, as HAProxy
                        // (OpenSSL's SSL_TLSEXT_ERR_NOACK) does, rather than abort the handshake.
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn);
        X509Certificate[] trust = null;
        if (verify != ClientAuth.NONE && caFile != null) {
            trust = Pem.certificates(caFile).toArray(new X509Certificate[0]);
        }
        return new Params(TlsParams.protocols(minVersion, maxVersion), List.copyOf(ciphers), apn, verify, trust,
                systemCa && verify != ClientAuth.NONE);
    }

    private static SslContext context(List<CertEntry> group, Params p) throws Exception {
        SslContextBuilder b = SslContextBuilder.forServer(new GroupKeyManager(group))
                .sslProvider(SslProvider.JDK)
                .protocols(p.protocols())
                .ciphers(p.ciphers())
                .applicationProtocolConfig(p.alpn())
                .clientAuth(p.clientAuth());
        if (p.trust() != null) {
            b.trustManager(p.trust());
        } else if (p.systemTrust()) {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            b.trustManager(tmf);
        }
        return b.build();
    }

    // ------------------------------------------------------------------ reload (reloader thread)

    private String fingerprintNow() {
        StringBuilder sb = new StringBuilder(128);
        for (CertificateSource s : sources) {
            s.fingerprint(sb);
        }
        return sb.toString();
    }

    /**
     * Reloader thread; blocks on file I/O: reloads the certificates if a file changed since they
     * were read. Keeps the current ones when the new files do not load.
     *
     * @return true when a new snapshot was swapped in
     */
    synchronized boolean reloadIfChanged() {
        if (snapshot == null || stale) {
            return false;
        }
        String fp = fingerprintNow();
        if (fp.equals(fingerprint)) {
            return false;
        }
        try {
            List<CertEntry> entries = new ArrayList<>();
            for (CertificateSource s : sources) {
                entries.addAll(s.load());
            }
            SniSnapshot next = buildSnapshot(entries);
            loaded.clear();
            loaded.addAll(entries);
            snapshot = next;
            fingerprint = fp;
            failedFingerprint = null;
            counters.reloads.increment();
            LOG.info("{}: certificates changed on disk, reloaded {} certificate(s) for new handshakes", location,
                    next.certificates());
            return true;
        } catch (ConfigException | RuntimeException e) {
            counters.reloadFailures.increment();
            if (!fp.equals(failedFingerprint)) {
                failedFingerprint = fp;
                LOG.warn("{}: certificates changed on disk but do not load ({}); keeping the previous ones", location,
                        e.getMessage());
            }
            return false;
        }
    }

    // ------------------------------------------------------------------ SNI lookup (event loop)

    /**
     * Event loop, from the {@link io.netty.handler.ssl.SniHandler} while it reads a ClientHello:
     * the context for the client's server name.
     *
     * @throws StrictSniRefusal when {@code strict-sni} refuses the name (the handler then fails
     *         the handshake and {@link TlsGate} answers with an alert)
     */
    @Override
    public SslContext map(String serverName) {
        SslContext ctx = ready().lookup(serverName);
        if (ctx == null) {
            throw serverName == null ? StrictSniRefusal.NO_SNI : StrictSniRefusal.UNKNOWN_NAME;
        }
        return ctx;
    }

    /** For tests: the snapshot in use. */
    SniSnapshot snapshot() {
        return snapshot;
    }

    @Override
    public String toString() {
        return "ssl " + sources + " (" + location + ")";
    }
}
