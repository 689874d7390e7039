package io.junction.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Objects;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A demo server's identity: one EC P-256 key and one self-signed certificate whose subject CN and
 * only DNS subjectAltName are the server's name.
 *
 * <p>Generated on first use into a directory as {@code NAME.p12} (PKCS#12 key and certificate,
 * file mode 0600 where the file system supports it) and {@code NAME.crt} (the certificate in PEM,
 * for {@code openssl x509 -in NAME.crt -noout -text}); reused on later starts while it is valid
 * for at least another day.
 *
 * <p>Why BouncyCastle and not {@code keytool}: generating in-process needs no {@code keytool}
 * binary on the PATH (jlinked or JRE-only images lack it), gives exact control over the SAN and
 * EKU extensions, and is covered by a unit test; BC is used only to build the certificate
 * structure, while key generation, signing and parsing go through the JDK's own providers, so BC
 * is never registered as a JCE provider and shading it unsigned is harmless.
 */
public final class DemoIdentity {

    /** A demo store, not a secret: the key protects nothing but a local demo backend. */
    static final char[] STORE_PASSWORD = "junction-demo".toCharArray();

    private static final String ALIAS = "server";

    /** Certificates live a year: long enough for a demo dir to be reused, short enough to be honest. */
    private static final Duration VALIDITY = Duration.ofDays(365);

    /** A stored certificate expiring sooner than this is replaced at start. */
    private static final Duration MIN_REMAINING = Duration.ofDays(1);

    private final String name;
    private final PrivateKey key;
    private final X509Certificate certificate;

    private DemoIdentity(String name, PrivateKey key, X509Certificate certificate) {
        this.name = name;
        this.key = key;
        this.certificate = certificate;
    }

    /**
     * Loads {@code dir/NAME.p12} or, when it is missing, unreadable, for another name or about to
     * expire, generates a new key and certificate and stores them there.
     *
     * <p>Called from the main thread at start-up; blocks on file I/O.
     *
     * @param dir  the directory (created when missing)
     * @param name the DNS name, used as CN and as the only SAN
     * @return the identity
     * @throws IOException when the directory or the files cannot be written
     */
    public static DemoIdentity loadOrCreate(Path dir, String name) throws IOException {
        Objects.requireNonNull(name, "name");
        Files.createDirectories(dir);
        Path p12 = dir.resolve(name + ".p12");
        if (Files.isRegularFile(p12)) {
            DemoIdentity existing = tryLoad(p12, name);
            if (existing != null) {
                return existing;
            }
        }
        DemoIdentity created = generate(name);
        created.store(dir);
        return created;
    }

    /**
     * Generates a fresh key and self-signed certificate, in memory only.
     *
     * <p>Any thread; CPU-bound (one EC key generation and one signature).
     *
     * @param name the DNS name, used as CN and as the only SAN
     * @return the identity
     */
    public static DemoIdentity generate(String name) {
        try {
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
            kpg.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = kpg.generateKeyPair();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.O, "Junction demo")
                    .addRDN(BCStyle.CN, name)
                    .build();
            Instant now = Instant.now();
            // Backdated an hour so a slightly skewed client clock does not reject it.
            Date notBefore = Date.from(now.minus(Duration.ofHours(1)));
            Date notAfter = Date.from(now.plus(VALIDITY));
            // RFC 5280 4.1.2.2: positive, at most 20 octets; 127 random bits are unique enough.
            BigInteger serial = new BigInteger(127, new SecureRandom()).setBit(0);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    subject, serial, notBefore, notAfter, subject, kp.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, name)));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            // No provider set: the JDK's SunEC signs and the JDK's X.509 factory parses.
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            return new DemoIdentity(name, kp.getPrivate(), cert);
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot generate a certificate for " + name, e);
        }
    }

    private static DemoIdentity tryLoad(Path p12, String name) {
        try (InputStream in = Files.newInputStream(p12)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, STORE_PASSWORD);
            if (!(ks.getKey(ALIAS, STORE_PASSWORD) instanceof PrivateKey key)
                    || !(ks.getCertificate(ALIAS) instanceof X509Certificate cert)) {
                return null;
            }
            DemoIdentity id = new DemoIdentity(name, key, cert);
            if (!name.equals(id.commonName())) {
                return null;
            }
            cert.checkValidity(Date.from(Instant.now().plus(MIN_REMAINING)));
            return id;
        } catch (IOException | GeneralSecurityException e) {
            // Corrupt, foreign or expiring: regenerate rather than fail the demo.
            return null;
        }
    }

    private void store(Path dir) throws IOException {
        byte[] p12;
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(ALIAS, key, STORE_PASSWORD, new Certificate[] {certificate});
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ks.store(bytes, STORE_PASSWORD);
            p12 = bytes.toByteArray();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot store the key of " + name, e);
        }
        writeAtomically(dir.resolve(name + ".p12"), p12, true);
        writeAtomically(dir.resolve(name + ".crt"), pem().getBytes(StandardCharsets.US_ASCII), false);
    }

    private static void writeAtomically(Path target, byte[] content, boolean secret) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            try {
                // createTempFile makes 0600; the certificate is public, the key store is not.
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--"));
            } catch (UnsupportedOperationException notPosix) {
                // Windows and friends: the directory's ACL is all we have.
            }
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(content);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The certificate in PEM form (RFC 7468 section 5).
     *
     * @return the text, ending with a newline
     */
    public String pem() {
        try {
            String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded());
            return "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }

    /**
     * A server-side TLS context presenting this identity (TLS 1.3 and 1.2, the JDK defaults).
     *
     * <p>Any thread; called once per server at start-up.
     *
     * @return a new context
     */
    public SSLContext serverContext() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(ALIAS, key, STORE_PASSWORD, new Certificate[] {certificate});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, STORE_PASSWORD);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a TLS context for " + name, e);
        }
    }

    /** @return the DNS name this identity was made for */
    public String name() {
        return name;
    }

    /** @return the self-signed certificate */
    public X509Certificate certificate() {
        return certificate;
    }

    /** @return the CN of the certificate's subject, or null when it has none */
    String commonName() {
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        RDN[] cns = subject.getRDNs(BCStyle.CN);
        return cns.length == 0 ? null : IETFUtils.valueToString(cns[0].getFirst().getValue());
    }
}
