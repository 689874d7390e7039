package io.junction.listener.tls.internal;

import io.junction.api.ConfigException;
import io.junction.tls.pem.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server certificate as loaded from a PEM file: the private key, the chain (leaf first) and
 * the names it answers for. Immutable.
 *
 * @param file the file it was read from, for messages
 * @param key the private key
 * @param chain the leaf certificate first, then the other certificates of the file in file order
 * @param names the lower-cased DNS names of the leaf (subjectAltName dNSName entries, then the
 *        subject CN), wildcards as written ({@code *.example.com}); used for SNI selection
 */
record CertEntry(Path file, PrivateKey key, X509Certificate[] chain, List<String> names) {
    private static final Logger LOG = LoggerFactory.getLogger(CertEntry.class);

    /** subjectAltName GeneralName tag of a dNSName (RFC 5280 section 4.2.1.6). */
    private static final int SAN_DNS = 2;

    /** The key's algorithm ({@code RSA}, {@code EC}, {@code EdDSA}), which TLS asks a key manager for. */
    String keyType() {
        return key.getAlgorithm();
    }

    /**
     * Config time or the reloader thread; blocks on file I/O. Loads one combined PEM file: one
     * private key and its certificate chain in any order. When the file holds no key, HAProxy's
     * extra file {@code FILE.key} is read for it (HAProxy {@code ssl-load-extra-files key}).
     *
     * @throws ConfigException naming the file: missing, unreadable, no certificate, no key, or a
     *         key that matches none of the certificates
     */
    static CertEntry load(Path file) throws ConfigException {
        Pem.Contents contents = Pem.parse(file, Pem.read(file));
        List<X509Certificate> certs = contents.certificates();
        if (certs.isEmpty()) {
            throw new ConfigException(file + ": no CERTIFICATE in this PEM file; 'crt' wants the certificate chain"
                    + " and its private key");
        }
        PrivateKey key = contents.key();
        if (key == null) {
            Path keyFile = file.resolveSibling(file.getFileName() + ".key");
            if (Files.isRegularFile(keyFile)) {
                key = Pem.parse(keyFile, Pem.read(keyFile), certs).key();
            }
            if (key == null) {
                throw new ConfigException(file + ": no PRIVATE KEY in this PEM file (nor in " + keyFile.getFileName()
                        + "); 'crt' wants the certificate chain and its private key in one file");
            }
        }
        // The leaf is the certificate of the key, wherever it stands; HAProxy expects it first,
        // but files assembled by hand are often in another order.
        int leaf = -1;
        for (int i = 0; i < certs.size() && leaf < 0; i++) {
            if (Pem.matches(key, certs.get(i))) {
                leaf = i;
            }
        }
        if (leaf < 0) {
            throw new ConfigException(file + ": the private key does not belong to any certificate in the file");
        }
        List<X509Certificate> chain = new ArrayList<>(certs.size());
        chain.add(certs.get(leaf));
        for (int i = 0; i < certs.size(); i++) {
            if (i != leaf) {
                chain.add(certs.get(i));
            }
        }
        X509Certificate cert = chain.get(0);
        if (cert.getNotAfter().before(new Date())) {
            // HAProxy loads expired certificates too; clients will refuse them, so say so loudly.
            LOG.warn("{}: the certificate for {} expired on {}", file, cert.getSubjectX500Principal().getName(),
                    cert.getNotAfter());
        }
        return new CertEntry(file, key, chain.toArray(new X509Certificate[0]), names(cert));
    }

    /**
     * The names a certificate answers for, lower-cased: every subjectAltName dNSName, then the
     * subject's CN when it is not among them (HAProxy indexes both for SNI).
     */
    static List<String> names(X509Certificate cert) {
        Set<String> out = new LinkedHashSet<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(SAN_DNS).equals(san.get(0)) && san.get(1) instanceof String s) {
                        out.add(normalize(s));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // A broken SAN extension: fall back to the CN below.
        }
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType()) && rdn.getValue() instanceof String cn && !cn.isBlank()) {
                    out.add(normalize(cn));
                }
            }
        } catch (InvalidNameException e) {
            // No usable subject: the SANs are all we have.
        }
        return List.copyOf(out);
    }

    /** Lower case (ASCII host names are case-insensitive, RFC 4343), no trailing dot. */
    static String normalize(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    @Override
    public String toString() {
        return file + " " + names;
    }
}
