package io.junction.tls.pem;

import io.junction.api.ConfigException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.X509TrustedCertificateBlock;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.util.io.pem.PemHeader;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemObjectParser;

/**
 * Reads PEM files (RFC 7468) the way HAProxy's {@code crt} and {@code ca-file} expect them:
 * certificates and, for {@code crt}, one private key, in any order in one file (HAProxy's
 * "combined PEM"). Config time or the certificate reloader thread; blocks on file I/O.
 *
 * <p>A thin wrapper over BouncyCastle's {@link PEMParser}: it splits the file into blocks and
 * decodes certificates and the three unencrypted key encodings that tools write:
 * <ul>
 *   <li>{@code PRIVATE KEY}: PKCS#8 (RFC 5208), what OpenSSL 3 and most ACME clients write;</li>
 *   <li>{@code RSA PRIVATE KEY}: PKCS#1 (RFC 8017 appendix A.1.2), OpenSSL's traditional RSA form;</li>
 *   <li>{@code EC PRIVATE KEY}: SEC 1 (RFC 5915), OpenSSL's traditional EC form.</li>
 * </ul>
 * Keys and certificates become JDK objects through {@link JcaPEMKeyConverter} and
 * {@link JcaX509CertificateConverter} with the JDK's default providers (no provider is
 * registered: TLS stays on the JDK provider). What stays here is HAProxy's policy: which blocks
 * count, one key per file, the curve of a SEC 1 key written without one, and refusing encrypted
 * keys with a hint (HAProxy asks for a pass phrase on a terminal, which a service cannot do).
 *
 * <p>One source for the listener-tls and backend-tls bundles, each of which embeds a private
 * copy of this package (bnd {@code -conditionalpackage}): bundles depend on the SPI only, never
 * on each other or on a shared library bundle at runtime.
 */
public final class Pem {

    /**
     * Largest PEM file read: 4 MiB. A certificate chain with its key is a few KiB and the
     * system CA bundle (ca-certificates.crt) about 220 KiB; a bigger file is not what the
     * configuration meant (a log, a disk image) and is refused instead of read into memory.
     */
    public static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

    /** One PEM block: its label ({@code CERTIFICATE}, {@code PRIVATE KEY}) and its decoded DER bytes. */
    public record Block(String label, byte[] der) {
    }

    /** What one combined PEM file holds: certificates in file order and at most one key. */
    public record Contents(List<X509Certificate> certificates, PrivateKey key) {
    }

    private static final String ENCRYPTED_HINT = " Junction cannot ask for a pass phrase: decrypt it,"
            + " e.g. openssl pkey -in FILE -out FILE";

    private Pem() {
    }

    /**
     * Reads every PEM block of {@code file}. Text outside blocks is ignored (OpenSSL writes
     * "Bag Attributes" and "subject=" lines there).
     *
     * @throws ConfigException naming the file when it is missing, unreadable, too big, has no
     *         block, a block without its END line, an encrypted (RFC 1421 headers) block or a
     *         block that is not valid base64
     */
    public static List<Block> read(Path file) throws ConfigException {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ConfigException(file + ": " + size + " bytes is too big for a PEM file (at most "
                        + MAX_FILE_BYTES + ")");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        List<Block> blocks = new ArrayList<>();
        try (Parser parser = new Parser(new String(bytes, StandardCharsets.US_ASCII))) {
            PemObject pem;
            while ((pem = parser.readPemObject()) != null) {
                for (Object h : pem.getHeaders()) {
                    // RFC 1421 headers (Proc-Type: 4,ENCRYPTED / DEK-Info) mean a legacy encrypted key.
                    if (((PemHeader) h).getName().equalsIgnoreCase("Proc-Type")) {
                        throw new ConfigException(file + ": the " + pem.getType() + " is encrypted;" + ENCRYPTED_HINT);
                    }
                }
                blocks.add(new Block(pem.getType(), pem.getContent()));
            }
        } catch (IOException | RuntimeException e) {
            // IOException: a BEGIN line without its END line; RuntimeException: BouncyCastle's
            // DecoderException for a body that is not base64.
            throw new ConfigException(file + ": not a valid PEM file: " + e.getMessage());
        }
        if (blocks.isEmpty()) {
            throw new ConfigException(file + ": not a PEM file (no -----BEGIN ...----- line)");
        }
        return blocks;
    }

    /**
     * Reads the certificates of {@code file} (a CA bundle), ignoring other blocks.
     *
     * @throws ConfigException naming the file when it holds no certificate or a broken one
     */
    public static List<X509Certificate> certificates(Path file) throws ConfigException {
        List<X509Certificate> certs = parse(file, read(file)).certificates();
        if (certs.isEmpty()) {
            throw new ConfigException(file + ": no CERTIFICATE in this PEM file");
        }
        return certs;
    }

    /**
     * Parses the blocks of one file into certificates (in file order) and at most one private
     * key. Blocks other than certificates and keys (EC PARAMETERS, DH PARAMETERS, which HAProxy
     * also accepts in a combined file) are skipped.
     */
    public static Contents parse(Path file, List<Block> blocks) throws ConfigException {
        return parse(file, blocks, List.of());
    }

    /**
     * As {@link #parse(Path, List)}, with certificates from elsewhere (the PEM file a separate
     * {@code .key} file belongs to) that can name the curve of an EC key written without one.
     */
    public static Contents parse(Path file, List<Block> blocks, List<X509Certificate> hints) throws ConfigException {
        List<X509Certificate> certs = new ArrayList<>();
        PrivateKeyInfo keyInfo = null;
        JcaX509CertificateConverter certConverter = new JcaX509CertificateConverter();
        try (Parser parser = new Parser("")) {
            int index = 0;
            for (Block b : blocks) {
                index++;
                switch (b.label()) {
                    case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE" -> {
                        try {
                            Object parsed = parser.parse(b);
                            X509CertificateHolder holder = parsed instanceof X509TrustedCertificateBlock trusted
                                    ? trusted.getCertificateHolder() : (X509CertificateHolder) parsed;
                            certs.add(certConverter.getCertificate(holder));
                        } catch (IOException | CertificateException | RuntimeException e) {
                            throw new ConfigException(file + ": PEM block " + index
                                    + " is not a valid X.509 certificate: " + e.getMessage());
                        }
                    }
                    case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY" -> {
                        if (keyInfo != null) {
                            throw new ConfigException(file + ": more than one private key; a combined PEM file holds"
                                    + " one certificate chain and its key");
                        }
                        try {
                            Object parsed = parser.parse(b);
                            keyInfo = parsed instanceof PEMKeyPair pair ? pair.getPrivateKeyInfo()
                                    : (PrivateKeyInfo) parsed;
                        } catch (IOException | RuntimeException e) {
                            throw new ConfigException(file + ": the " + b.label() + " is malformed: " + e.getMessage());
                        }
                    }
                    case "ENCRYPTED PRIVATE KEY" -> throw new ConfigException(file + ": the private key is encrypted;"
                            + ENCRYPTED_HINT);
                    default -> {
                        // EC PARAMETERS, DH PARAMETERS and the like: not ours to use.
                    }
                }
            }
        }
        PrivateKey key = null;
        if (keyInfo != null) {
            boolean ecWithoutCurve = keyInfo.getPrivateKeyAlgorithm().getAlgorithm()
                    .equals(X9ObjectIdentifiers.id_ecPublicKey)
                    && keyInfo.getPrivateKeyAlgorithm().getParameters() == null;
            key = ecWithoutCurve ? keyOnCertificateCurve(file, keyInfo, certs, hints) : privateKey(file, keyInfo);
        }
        return new Contents(List.copyOf(certs), key);
    }

    /**
     * The EC key whose curve is the one of the certificate it belongs to. Java and BouncyCastle
     * write SEC 1 keys (RFC 5915 section 3) without their optional {@code parameters [0]}
     * (OpenSSL always writes them); the JDK cannot read such a key, so the curve is taken from
     * the certificate's SubjectPublicKeyInfo (RFC 5480 section 2.1.1).
     */
    private static PrivateKey keyOnCertificateCurve(Path file, PrivateKeyInfo info, List<X509Certificate> certs,
            List<X509Certificate> hints) throws ConfigException {
        List<X509Certificate> all = new ArrayList<>(certs);
        all.addAll(hints);
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        for (X509Certificate cert : all) {
            try {
                AlgorithmIdentifier spkiAlgorithm = SubjectPublicKeyInfo.getInstance(cert.getPublicKey().getEncoded())
                        .getAlgorithm();
                ASN1Encodable curve = spkiAlgorithm.getParameters();
                if (!spkiAlgorithm.getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey) || curve == null) {
                    continue;
                }
                PrivateKey key = converter.getPrivateKey(new PrivateKeyInfo(
                        new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, curve), info.parsePrivateKey()));
                if (matches(key, cert)) {
                    return key;
                }
            } catch (IOException | RuntimeException e) {
                // another certificate, another curve
            }
        }
        throw new ConfigException(file + ": the EC PRIVATE KEY names no curve and belongs to no certificate here"
                + " (write it with its curve: openssl ec -in FILE -param_enc named_curve)");
    }

    /** The JDK key for a PKCS#8 PrivateKeyInfo, through the JDK's KeyFactory for its algorithm OID. */
    private static PrivateKey privateKey(Path file, PrivateKeyInfo info) throws ConfigException {
        try {
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(file + ": the private key is not an RSA, ECDSA or EdDSA key the JDK can read: "
                    + e.getMessage());
        }
    }

    /**
     * Whether {@code key} is the private half of {@code certificate}'s public key: signs a random
     * challenge and verifies it. Keys the check cannot exercise (no known signature algorithm)
     * are taken as matching; the TLS handshake would fail later for them.
     */
    public static boolean matches(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        PublicKey publicKey = certificate.getPublicKey();
        if (algorithm == null) {
            return true;
        }
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())
                && !(algorithm.equals("EdDSA") && publicKey.getAlgorithm().startsWith("Ed"))) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * {@link PEMParser} over the text of one file: {@link #readPemObject()} splits it into
     * blocks, {@link #parse(Block)} decodes a block with PEMParser's own parser for its label.
     * PEMParser's {@code readObject()} would do both at once, but fails on labels it does not
     * know (DH PARAMETERS), which HAProxy accepts in a combined file and skips.
     */
    private static final class Parser extends PEMParser {
        Parser(String text) {
            super(new StringReader(text));
        }

        Object parse(Block b) throws IOException {
            PemObjectParser p = (PemObjectParser) parsers.get(b.label());
            if (p == null) {
                throw new IOException("unrecognised PEM block " + b.label());
            }
            return p.parseObject(new PemObject(b.label(), b.der()));
        }

        @Override
        public void close() {
            try {
                super.close();
            } catch (IOException e) {
                // a StringReader: nothing to release
            }
        }
    }
}
