package io.junction.itests;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
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
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
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
 * The certificates of the TLS integration tests, made fresh for every run. <strong>Driver side
 * only</strong>: called from {@code @Configuration} in the Failsafe JVM before the framework
 * starts, where BouncyCastle is on the test class path. Nothing inside the framework loads this
 * class (BouncyCastle is not a bundle there); the tests read the files it wrote with the JDK
 * alone ({@code .p12} key stores for the test backends, PEM for the router).
 *
 * <p>What it writes into {@code dir}:
 * <ul>
 * <li>{@code ca-certificates.crt}: the test CA (the file the article's {@code ca-file} names);
 * <li>{@code fullcert.pem}: the router's own certificate (CN {@value #ROUTER_CN}, SAN
 *     {@code *.example.com}), chain and PKCS#8 key, as the article's {@code crt} names it;
 * <li>{@code reload-v1.pem}, {@code reload-v2.pem}: two certificates for the reload test,
 *     CN {@value #RELOAD_V1_CN} and {@value #RELOAD_V2_CN};
 * <li>{@code <name>.p12} (password {@value #PASSWORD}): one key store per test backend, with a
 *     leaf for {@code <name>.example.com} signed by the test CA, except {@code wrong-ca.p12},
 *     whose leaf (for {@code default.example.com}) is signed by an unrelated CA.
 * </ul>
 * EC P-256 keys everywhere: generating them is fast.
 */
final class TlsTestPki {

    static final String PASSWORD = "changeit";
    static final String ROUTER_CN = "junction-router.example.com";
    static final String RELOAD_V1_CN = "reload-v1.example.com";
    static final String RELOAD_V2_CN = "reload-v2.example.com";

    /** Backends whose leaf the test CA signs, for {@code <name>.example.com}. */
    static final List<String> BACKENDS = List.of("app1", "default", "h2", "h1");

    private TlsTestPki() {
    }

    private record Identity(PrivateKey key, X509Certificate cert, X509Certificate issuer) {
    }

    /** Driver side: writes every file listed above into {@code dir} (created when missing). */
    static void writeAll(Path dir) {
        try {
            Files.createDirectories(dir);
            Identity ca = ca("Junction itest CA");
            Identity otherCa = ca("Unrelated itest CA");
            writeAtomically(dir.resolve("ca-certificates.crt"), pem(List.of(ca.cert()), null));
            writeAtomically(dir.resolve("fullcert.pem"),
                    combined(leaf(ca, ROUTER_CN, ROUTER_CN, "*.example.com")));
            writeAtomically(dir.resolve("reload-v1.pem"), combined(leaf(ca, RELOAD_V1_CN, "*.example.com")));
            writeAtomically(dir.resolve("reload-v2.pem"), combined(leaf(ca, RELOAD_V2_CN, "*.example.com")));
            for (String name : BACKENDS) {
                String host = name + ".example.com";
                writeKeyStore(dir.resolve(name + ".p12"), leaf(ca, host, host));
            }
            writeKeyStore(dir.resolve("wrong-ca.p12"), leaf(otherCa, "default.example.com", "default.example.com"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the itest certificates", e);
        }
    }

    private static Identity ca(String cn) throws Exception {
        KeyPair kp = ecKeyPair();
        X500Name subject = new X500Name("CN=" + cn);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), notBefore(), notAfter(),
                subject, kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        X509Certificate cert = sign(b, kp.getPrivate());
        return new Identity(kp.getPrivate(), cert, null);
    }

    private static Identity leaf(Identity ca, String cn, String... dnsNames) throws Exception {
        KeyPair kp = ecKeyPair();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                new X500Name(ca.cert().getSubjectX500Principal().getName()), serial(), notBefore(), notAfter(),
                new X500Name("CN=" + cn), kp.getPublic());
        List<GeneralName> names = new ArrayList<>();
        for (String n : dnsNames) {
            names.add(new GeneralName(GeneralName.dNSName, n));
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        return new Identity(kp.getPrivate(), sign(b, ca.key()), ca.cert());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) throws Exception {
        // No provider set: the JDK's SunEC signs, the JDK's X.509 factory parses.
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    }

    /** The HAProxy layout: leaf, issuer, then the key (PKCS#8). */
    private static String combined(Identity id) throws IOException {
        return pem(List.of(id.cert(), id.issuer()), id.key());
    }

    private static String pem(List<X509Certificate> certs, PrivateKey key) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (X509Certificate c : certs) {
                w.writeObject(c);
            }
            if (key != null) {
                w.writeObject(new JcaPKCS8Generator(key, null));
            }
        }
        return out.toString();
    }

    private static void writeKeyStore(Path file, Identity id) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", id.key(), PASSWORD.toCharArray(), new Certificate[] {id.cert(), id.issuer()});
        Path tmp = file.resolveSibling(file.getFileName() + ".part");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            ks.store(out, PASSWORD.toCharArray());
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".part");
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static KeyPair ecKeyPair() throws Exception {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec("secp256r1"));
        return kpg.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom()).setBit(0);
    }

    private static Date notBefore() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date notAfter() {
        return Date.from(Instant.now().plus(Duration.ofDays(30)));
    }
}
