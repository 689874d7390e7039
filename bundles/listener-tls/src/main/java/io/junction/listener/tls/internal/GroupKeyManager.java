package io.junction.listener.tls.internal;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The key manager of one TLS context: the certificates that answer for one server name, at
 * most one per key type (an RSA and an ECDSA certificate for the same site, as HAProxy's
 * multi-certificate bundles). The JDK asks for a key type per signature scheme or cipher suite
 * it considers, in the client's order of preference, so a client that prefers ECDSA gets the
 * ECDSA certificate and an RSA-only client the RSA one.
 *
 * <p>Why not a {@code KeyManagerFactory} over a {@code KeyStore}: an in-memory PKCS#12 store
 * encrypts every key on insertion and decrypts it again on init (PBKDF2 rounds, milliseconds per
 * key), which adds up for a directory of certificates. This class is a plain lookup.
 *
 * <p>Called by the JDK's TLS engine on the event loop during handshakes; never blocks and
 * allocates only the copy of a chain it hands out. Immutable.
 */
final class GroupKeyManager extends X509ExtendedKeyManager {
    private final CertEntry[] entries;
    private final String[] aliases;

    GroupKeyManager(List<CertEntry> entries) {
        this.entries = entries.toArray(new CertEntry[0]);
        this.aliases = new String[this.entries.length];
        for (int i = 0; i < aliases.length; i++) {
            aliases[i] = Integer.toString(i);
        }
    }

    /**
     * The alias of the first certificate whose key is of {@code keyType}. The JDK names key
     * types as key algorithms ({@code RSA}, {@code EC}, {@code EdDSA}, {@code RSASSA-PSS}); TLS
     * 1.2's legacy forms {@code EC_EC} / {@code EC_RSA} name the key before the underscore.
     */
    private String choose(String keyType) {
        if (keyType == null) {
            return null;
        }
        int underscore = keyType.indexOf('_');
        for (int i = 0; i < entries.length; i++) {
            String type = entries[i].keyType();
            if (underscore < 0 ? type.equals(keyType) : keyType.regionMatches(0, type, 0, underscore)
                    && type.length() == underscore) {
                return aliases[i];
            }
        }
        return null;
    }

    private int index(String alias) {
        for (int i = 0; i < aliases.length; i++) {
            if (aliases[i].equals(alias)) {
                return i;
            }
        }
        return -1;
    }

    /** Event loop, during a handshake: the certificate for {@code keyType}, or null. Never blocks. */
    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType);
    }

    /** As {@link #chooseEngineServerAlias}, for socket-based callers. */
    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(keyType);
    }

    /** Any thread: the alias for {@code keyType}, as an array, or null. */
    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = choose(keyType);
        return alias == null ? null : new String[] {alias};
    }

    /** Event loop, during a handshake: a copy of the chain of {@code alias}, leaf first. */
    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        int i = index(alias);
        return i < 0 ? null : entries[i].chain().clone();
    }

    /** Event loop, during a handshake: the key of {@code alias}. */
    @Override
    public PrivateKey getPrivateKey(String alias) {
        int i = index(alias);
        return i < 0 ? null : entries[i].key();
    }

    /** A listener presents no client certificate. */
    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    /** A listener presents no client certificate. */
    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    /** A listener presents no client certificate. */
    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
