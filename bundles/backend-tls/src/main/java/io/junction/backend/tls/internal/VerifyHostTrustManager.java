package io.junction.backend.tls.internal;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * {@code verifyhost NAME}: the delegate checks the chain against the CA file (the engine has no
 * endpoint identification, so it checks no name), then this class checks that the leaf is
 * valid for {@code NAME} ({@link HostnameCheck}), whatever SNI was sent. Called by the JDK's TLS
 * engine on the event loop during a handshake; no I/O.
 */
final class VerifyHostTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;
    private final String name;

    VerifyHostTrustManager(X509ExtendedTrustManager delegate, String name) {
        this.delegate = delegate;
        this.name = name;
    }

    private void checkName(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0 || !HostnameCheck.matches(name, chain[0])) {
            throw new CertificateException("the server's certificate is not valid for verifyhost " + name);
        }
    }

    /** Event loop, during a handshake: the chain against the CAs, then the name. No I/O. */
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, engine);
        checkName(chain);
    }

    /** As the engine variant, for socket-based callers. */
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
        checkName(chain);
    }

    /** As the engine variant, without a connection. */
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
        checkName(chain);
    }

    /** A server connection never checks client certificates. */
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a server");
    }

    /** The CAs of {@code ca-file}. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
