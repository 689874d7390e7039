package io.junction.backend.tls.internal;

import io.junction.api.ConfigException;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.tls.pem.Pem;
import io.netty.channel.Channel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS settings of one {@code server} line and the client TLS context they make.
 *
 * <p>As on bind lines, the core parses a server line keyword by keyword ({@code ssl},
 * {@code ca-file FILE}, {@code sni EXPR}, ...), so the keywords of one line are folded into one
 * object (found by the line's word cursor) and {@code ssl}'s option does the work. The context is
 * built once per line on the config thread, as soon as the line's last TLS keyword was parsed
 * (the next word is not ours); should that guess fail, at the latest by the first connection.
 *
 * <p><b>Safe by default</b> (HAProxy's {@code ssl-server-verify required}): {@code ssl} verifies
 * the server's chain against {@code ca-file} and its name against the SNI sent (or
 * {@code verifyhost}). {@code ssl} without {@code ca-file} is a configuration error unless
 * {@code verify none} is written.
 *
 * <p><b>Threads.</b> Settings are written on the config thread; the context is built under this
 * object's lock; event loops read the volatile context and immutable settings.
 */
final class ServerTls {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    /**
     * How long a server may take to complete the handshake: 10 s (Netty's default). HAProxy
     * bounds it with {@code timeout server}; the core's {@code timeout connect} covers only the
     * TCP connect.
     */
    static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    /** At most one warning per server line per this many ms: a dead backend must not flood the log. */
    static final long WARN_INTERVAL_MILLIS = 60_000;

    /** Pipeline name of the client TLS handler on the server connection. */
    static final String HANDLER = "junction-server-tls";

    private final String location;
    private final BackendTlsCounters counters;

    // ---- settings (config thread)
    private boolean ssl;
    private boolean noSsl;
    private Path caFile;
    private boolean systemCa;
    private Boolean verify;
    private Fetch sni;
    private String sniText;
    private List<String> alpn = List.of();
    private PrivateKey clientKey;
    private X509Certificate[] clientChain;
    private String verifyHost;

    // ---- built
    private volatile SslContext context;
    private volatile boolean stale = true;
    private volatile long nextWarn;

    ServerTls(String location, BackendTlsCounters counters) {
        this.location = location;
        this.counters = counters;
    }

    String location() {
        return location;
    }

    // ------------------------------------------------------------------ settings

    synchronized void ssl() {
        ssl = true;
        stale = true;
    }

    synchronized void noSsl() {
        noSsl = true;
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

    synchronized void verify(boolean required) {
        verify = required;
        stale = true;
    }

    synchronized void sni(Fetch fetch, String text) {
        sni = fetch;
        sniText = text;
        stale = true;
    }

    synchronized void alpn(List<String> protocols) {
        alpn = protocols;
        stale = true;
    }

    synchronized void verifyHost(String name) {
        verifyHost = name;
        stale = true;
    }

    /**
     * Loads a client certificate: a combined PEM with the chain and its key, as for bind lines.
     *
     * @throws ConfigException naming the file
     */
    synchronized void crt(Path file) throws ConfigException {
        Pem.Contents contents = Pem.parse(file, Pem.read(file));
        PrivateKey key = contents.key();
        List<X509Certificate> certs = contents.certificates();
        if (key == null || certs.isEmpty()) {
            throw new ConfigException(file + ": a client certificate file holds the certificate chain and its private"
                    + " key (PEM); " + (key == null ? "no PRIVATE KEY" : "no CERTIFICATE") + " found");
        }
        List<X509Certificate> chain = new ArrayList<>(certs.size());
        for (X509Certificate c : certs) {
            if (chain.isEmpty() && Pem.matches(key, c)) {
                chain.add(c);
            }
        }
        if (chain.isEmpty()) {
            throw new ConfigException(file + ": the private key does not belong to any certificate in the file");
        }
        for (X509Certificate c : certs) {
            if (c != chain.get(0)) {
                chain.add(c);
            }
        }
        clientKey = key;
        clientChain = chain.toArray(new X509Certificate[0]);
        stale = true;
    }

    // ------------------------------------------------------------------ validation and build

    private boolean enabled() {
        return ssl && !noSsl;
    }

    private boolean verifying() {
        return verify == null || verify;
    }

    /** The line's problem as a whole, or null; meaningful once the whole line was parsed. */
    synchronized String problem() {
        if (noSsl) {
            return null;
        }
        if (!ssl) {
            return "TLS settings (ca-file, verify, sni, alpn, crt, verifyhost) without 'ssl' on the same server line:"
                    + " add 'ssl' to connect to this server over TLS";
        }
        if (verifying() && caFile == null && !systemCa) {
            return "'ssl' without 'ca-file': the server's certificate cannot be verified; add 'ca-file FILE' (PEM, or"
                    + " ca-file @system-ca for the JDK's trusted roots), or write 'verify none' to accept any certificate";
        }
        if (!verifying() && verifyHost != null) {
            return "'verifyhost' checks the server's certificate and has no effect with 'verify none'";
        }
        return null;
    }

    /**
     * Config thread, right after one of this line's keywords was parsed.
     *
     * @param endOfLine the line has no more words: judge it whole
     * @param nextIsOurs the next word is another keyword of this bundle: wait for it
     */
    synchronized void parsed(boolean endOfLine, boolean nextIsOurs) throws ConfigException {
        if (endOfLine) {
            String problem = problem();
            if (problem != null) {
                throw new ConfigException(problem);
            }
        }
        if (!nextIsOurs && enabled() && problem() == null && stale) {
            build();
        }
    }

    /**
     * The context to connect with, built first when the settings changed since (normally done
     * on the config thread; on an event loop only in the fallback described in the class
     * comment: CPU, no file I/O).
     *
     * @throws IllegalStateException the line's problem (the core counts it and closes the client)
     */
    SslContext ready() {
        SslContext c = context;
        if (c != null && !stale) {
            return c;
        }
        synchronized (this) {
            if (context == null || stale) {
                String problem = problem();
                if (problem != null) {
                    throw new IllegalStateException(location + ": " + problem);
                }
                try {
                    build();
                } catch (ConfigException e) {
                    throw new IllegalStateException(location + ": " + e.getMessage(), e);
                }
            }
            return context;
        }
    }

    private void build() throws ConfigException {
        try {
            SslContextBuilder b = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    // TLS 1.2+ towards servers too (RFC 8996 deprecates 1.0 and 1.1).
                    .protocols("TLSv1.3", "TLSv1.2")
                    // Netty 4.2 checks the peer host by default; which name to check (if any)
                    // is decided per connection in connected().
                    .endpointIdentificationAlgorithm(null);
            if (!verifying()) {
                b.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                if (systemCa) {
                    tmf.init((KeyStore) null);
                } else {
                    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                    ks.load(null, null);
                    int i = 0;
                    for (X509Certificate ca : Pem.certificates(caFile)) {
                        ks.setCertificateEntry("ca" + i++, ca);
                    }
                    tmf.init(ks);
                }
                X509ExtendedTrustManager trust = null;
                for (TrustManager tm : tmf.getTrustManagers()) {
                    if (tm instanceof X509ExtendedTrustManager x) {
                        trust = x;
                    }
                }
                if (trust == null) {
                    throw new ConfigException("the JDK has no X.509 trust manager");
                }
                b.trustManager(verifyHost != null ? new VerifyHostTrustManager(trust, verifyHost) : trust);
            }
            if (!alpn.isEmpty()) {
                b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
            }
            if (clientKey != null) {
                b.keyManager(clientKey, clientChain);
            }
            context = b.build();
            stale = false;
        } catch (ConfigException e) {
            throw e;
        } catch (Exception e) {
            throw new ConfigException("cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ per connection (event loop)

    /**
     * Event loop, once the TCP connection to the server is up: adds the client TLS handler at
     * the head of the pipeline (after anything a previous stage wrote, which is already below
     * the pipeline: a PROXY header goes out in clear before the handshake). The core waits for
     * this handler's handshake before relaying, so a server that does not verify is a failed
     * connect. Allocates the engine and the handler; never blocks.
     *
     * @throws IllegalStateException when no server name can be sent or checked, or the settings
     *         are invalid (the core counts it as a failed connect)
     */
    void connected(Channel outbound, Facts facts) {
        if (!enabled()) {
            return;
        }
        SslContext ctx = ready();
        String serverName = null;
        String checkName = null;
        if (sni != null) {
            String value = serverName(sni.sample(facts));
            if (value == null) {
                if (verifying() && verifyHost == null) {
                    counters.noServerName.increment();
                    throw new IllegalStateException(location + ": 'sni " + sniText + "' gave no server name, so the"
                            + " server's certificate cannot be checked (write verifyhost NAME to check a fixed name)");
                }
            } else if (isIpLiteral(value)) {
                // RFC 6066 section 3: no IP literals in SNI. Check the certificate against the address.
                checkName = value;
            } else {
                serverName = value;
                checkName = value;
            }
        }
        InetSocketAddress remote = (InetSocketAddress) outbound.remoteAddress();
        int port = remote != null ? remote.getPort() : -1;
        // The peer host is what the JDK checks a name against ("HTTPS" identification) and how it
        // caches client sessions: by (peer host, port), resuming one with the server name it was
        // made for. Keying by the name we send keeps app1's session away from app2's requests.
        String peerHost = serverName != null ? serverName : checkName != null ? checkName
                : verifyHost != null ? verifyHost : remote != null ? NetUtil.toAddressString(remote.getAddress()) : null;
        SSLEngine engine = ctx.newEngine(outbound.alloc(), peerHost, port);
        SSLParameters params = engine.getSSLParameters();
        try {
            // Only the SNI the line asks for: the JDK would otherwise send the peer host.
            params.setServerNames(serverName != null ? List.of(new SNIHostName(serverName)) : List.of());
        } catch (IllegalArgumentException e) {
            counters.noServerName.increment();
            throw new IllegalStateException(location + ": '" + serverName + "' from 'sni " + sniText
                    + "' is not a valid server name: " + e.getMessage());
        }
        // The name (or, for an IP literal, the address) must be in the certificate; with
        // verifyhost, VerifyHostTrustManager checks that name instead; with neither (no sni, no
        // verifyhost) only the chain is checked, as in HAProxy.
        params.setEndpointIdentificationAlgorithm(verifying() && verifyHost == null && checkName != null ? "HTTPS" : null);
        engine.setSSLParameters(params);
        SslHandler handler = new SslHandler(engine);
        handler.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
        outbound.pipeline().addFirst(HANDLER, handler);
        String shown = serverName;
        handler.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                counters.handshakes.increment();
            } else {
                failed(shown, f.cause());
            }
        });
    }

    private void failed(String serverName, Throwable cause) {
        boolean verification = isVerification(cause);
        (verification ? counters.verifyFailed : counters.handshakeFailed).increment();
        long now = System.nanoTime();
        String what = (verification ? "certificate does not verify" : "TLS handshake failed")
                + (serverName != null ? " for SNI " + serverName : "") + ": " + rootMessage(cause);
        if (now - nextWarn >= 0) {
            nextWarn = now + WARN_INTERVAL_MILLIS * 1_000_000L;
            LOG.warn("{}: server {}", location, what);
        } else {
            LOG.debug("{}: server {}", location, what);
        }
    }

    private static boolean isVerification(Throwable t) {
        for (int i = 0; t != null && i < 8; i++, t = t.getCause()) {
            if (t instanceof CertificateException || t instanceof java.security.cert.CertPathValidatorException) {
                return true;
            }
            if (t instanceof SSLHandshakeException && t.getMessage() != null
                    && (t.getMessage().contains("certificate") || t.getMessage().contains("PKIX"))) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        for (int i = 0; root.getCause() != null && i < 8; i++) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }

    /**
     * What the {@code sni} expression gave, as a server name: the first value of a list, without
     * a {@code :port} (a Host header carries one; RFC 6066 HostName does not) and without a
     * trailing dot; null when empty. A Host header in brackets is an IPv6 literal.
     */
    static String serverName(Object sample) {
        Object v = sample instanceof List<?> list ? (list.isEmpty() ? null : list.get(0)) : sample;
        if (!(v instanceof CharSequence cs)) {
            return null;
        }
        String s = cs.toString().trim();
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            return end > 1 ? s.substring(1, end) : null;
        }
        int colon = s.indexOf(':');
        if (colon >= 0 && s.indexOf(':', colon + 1) < 0) {
            s = s.substring(0, colon);
        }
        if (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.isEmpty() || s.getBytes(StandardCharsets.UTF_8).length > 255) {
            return null;
        }
        return s;
    }

    private static boolean isIpLiteral(String s) {
        return NetUtil.isValidIpV4Address(s) || NetUtil.isValidIpV6Address(s);
    }

    @Override
    public String toString() {
        return "ssl (" + location + ")";
    }
}
