package io.junction.backend.tls.internal;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test certificates: a CA and leaves signed by it, RSA or ECDSA, written as HAProxy-style
 * combined PEM files. BouncyCastle builds and writes the structures; keys, signatures and
 * parsing are the JDK's.
 */
final class TestPki {

    /** How the private key is written. */
    enum KeyFormat {
        /** {@code -----BEGIN PRIVATE KEY-----} */
        PKCS8,
        /** {@code -----BEGIN RSA PRIVATE KEY-----} or {@code -----BEGIN EC PRIVATE KEY-----} */
        TRADITIONAL
    }

    /** A key and its certificate chain (leaf first). */
    record Identity(PrivateKey key, X509Certificate cert, List<X509Certificate> chain) {
        /** Writes a combined PEM: the chain then the key (HAProxy's usual layout). */
        Path write(Path file, KeyFormat format) throws IOException {
            return writeText(file, certsPem() + keyPem(format));
        }

        String certsPem() throws IOException {
            StringWriter out = new StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(out)) {
                for (X509Certificate c : chain) {
                    w.writeObject(c);
                }
            }
            return out.toString();
        }

        String keyPem(KeyFormat format) throws IOException {
            StringWriter out = new StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(out)) {
                if (format == KeyFormat.PKCS8) {
                    w.writeObject(new JcaPKCS8Generator(key, null));
                } else {
                    w.writeObject(key);
                }
            }
            return out.toString();
        }
    }

    final Identity ca;
    private final String name;

    private TestPki(String name, Identity ca) {
        this.name = name;
        this.ca = ca;
    }

    /** A new RSA root CA. */
    static TestPki create(String name) throws Exception {
        KeyPair kp = rsa();
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), past(), future(), subject,
                kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        X509Certificate cert = new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
        return new TestPki(name, new Identity(kp.getPrivate(), cert, List.of(cert)));
    }

    /** A leaf signed by this CA, RSA or ECDSA, with these DNS names (the first is also the CN). */
    Identity leaf(boolean ec, String... dnsNames) throws Exception {
        return leaf(ec, Date.from(Instant.now().plus(Duration.ofDays(30))), dnsNames);
    }

    Identity leaf(boolean ec, Date notAfter, String... dnsNames) throws Exception {
        KeyPair kp = ec ? ec() : rsa();
        X500Name subject = new X500Name("CN=" + dnsNames[0]);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name), serial(), past(),
                notAfter, subject, kp.getPublic());
        List<GeneralName> names = new ArrayList<>();
        for (String n : dnsNames) {
            names.add(new GeneralName(GeneralName.dNSName, n));
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        X509Certificate cert = new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(ca.key())));
        return new Identity(kp.getPrivate(), cert, List.of(cert, ca.cert()));
    }

    /** A client context that trusts this CA only, optionally presenting {@code clientId}. */
    SSLContext clientContext(Identity clientId) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (clientId != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("me", clientId.key(), "x".toCharArray(),
                    clientId.chain().toArray(new X509Certificate[0]));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "x".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    static Path writeText(Path file, String text) throws IOException {
        // Written beside and moved over, as certificate renewers do, so a reader never sees half a file.
        Path tmp = Files.createTempFile(file.getParent(), ".tmp", ".part");
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom()).setBit(0);
    }

    private static Date past() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date future() {
        return Date.from(Instant.now().plus(Duration.ofDays(30)));
    }
}
