package io.junction.backend.tls.internal;

import io.junction.api.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM files (RFC 7468) the way HAProxy's {@code crt} and {@code ca-file} expect them:
 * certificates and, for {@code crt}, one private key, in any order in one file (HAProxy's
 * "combined PEM"). Config time or the certificate reloader thread; blocks on file I/O.
 *
 * <p>Private keys are accepted unencrypted in the three encodings that tools write:
 * <ul>
 *   <li>{@code PRIVATE KEY}: PKCS#8 (RFC 5208), what OpenSSL 3 and most ACME clients write;</li>
 *   <li>{@code RSA PRIVATE KEY}: PKCS#1 (RFC 8017 appendix A.1.2), OpenSSL's traditional RSA form;</li>
 *   <li>{@code EC PRIVATE KEY}: SEC 1 (RFC 5915), OpenSSL's traditional EC form.</li>
 * </ul>
 * The JDK reads only PKCS#8, so the other two are wrapped into a PKCS#8 structure here (a few DER
 * bytes around the original), rather than pulling in BouncyCastle at run time. Encrypted keys are
 * refused with a hint: HAProxy asks for a pass phrase on a terminal, which a service cannot do.
 *
 * <p>This class exists, identical in purpose, in the listener-tls and backend-tls bundles:
 * bundles depend on the SPI only, never on each other.
 */
final class Pem {

    /**
     * Largest PEM file read: 4 MiB. A certificate chain with its key is a few KiB and the
     * system CA bundle (ca-certificates.crt) about 220 KiB; a bigger file is not what the
     * configuration meant (a log, a disk image) and is refused instead of read into memory.
     */
    static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

    /** One PEM block: its label ({@code CERTIFICATE}, {@code PRIVATE KEY}) and its decoded DER bytes. */
    record Block(String label, byte[] der) {
    }

    /** What one combined PEM file holds: certificates in file order and at most one key. */
    record Contents(List<X509Certificate> certificates, PrivateKey key) {
    }

    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";

    /** rsaEncryption, 1.2.840.113549.1.1.1 (RFC 8017 appendix A.1), DER-encoded with its NULL parameters. */
    private static final byte[] RSA_ALGORITHM_ID = {
        0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    /** id-ecPublicKey, 1.2.840.10045.2.1 (RFC 5480 section 2.1.1), DER-encoded OID. */
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private Pem() {
    }

    /**
     * Reads every PEM block of {@code file}. Text outside blocks is ignored (OpenSSL writes
     * "Bag Attributes" and "subject=" lines there).
     *
     * @throws ConfigException naming the file when it is missing, unreadable, too big, has no
     *         block or a block that is not valid base64
     */
    static List<Block> read(Path file) throws ConfigException {
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
        String text = new String(bytes, StandardCharsets.US_ASCII);
        List<Block> blocks = new ArrayList<>();
        int from = 0;
        while (true) {
            int begin = text.indexOf(BEGIN, from);
            if (begin < 0) {
                break;
            }
            int labelEnd = text.indexOf(DASHES, begin + BEGIN.length());
            if (labelEnd < 0) {
                throw new ConfigException(file + ": broken PEM header at offset " + begin);
            }
            String label = text.substring(begin + BEGIN.length(), labelEnd).trim();
            String endMarker = END + label + DASHES;
            int end = text.indexOf(endMarker, labelEnd);
            if (end < 0) {
                throw new ConfigException(file + ": '" + BEGIN + label + DASHES + "' without its END line");
            }
            String body = text.substring(labelEnd + DASHES.length(), end);
            if (body.indexOf(':') >= 0) {
                // RFC 1421 headers (Proc-Type: 4,ENCRYPTED / DEK-Info) mean a legacy encrypted key.
                throw new ConfigException(file + ": the " + label + " is encrypted; Junction cannot ask for a pass"
                        + " phrase: decrypt it, e.g. openssl pkey -in FILE -out FILE");
            }
            try {
                blocks.add(new Block(label, Base64.getMimeDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file + ": the " + label + " block is not valid base64: " + e.getMessage());
            }
            from = end + endMarker.length();
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
    static List<X509Certificate> certificates(Path file) throws ConfigException {
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
    static Contents parse(Path file, List<Block> blocks) throws ConfigException {
        return parse(file, blocks, List.of());
    }

    /**
     * As {@link #parse(Path, List)}, with certificates from elsewhere (the PEM file a separate
     * {@code .key} file belongs to) that can name the curve of an EC key written without one.
     */
    static Contents parse(Path file, List<Block> blocks, List<X509Certificate> hints) throws ConfigException {
        List<X509Certificate> certs = new ArrayList<>();
        PrivateKey key = null;
        byte[] sec1WithoutCurve = null;
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        int index = 0;
        for (Block b : blocks) {
            index++;
            switch (b.label()) {
                case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE" -> {
                    try {
                        certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
                    } catch (CertificateException | ClassCastException e) {
                        throw new ConfigException(file + ": PEM block " + index + " is not a valid X.509 certificate: "
                                + e.getMessage());
                    }
                }
                case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY" -> {
                    if (key != null || sec1WithoutCurve != null) {
                        throw new ConfigException(file + ": more than one private key; a combined PEM file holds"
                                + " one certificate chain and its key");
                    }
                    if (b.label().equals("EC PRIVATE KEY") && sec1Curve(file, b.der()) == null) {
                        // Java and BouncyCastle write SEC 1 keys without their curve (OpenSSL
                        // always writes it): the certificate's public key names it, see below.
                        sec1WithoutCurve = b.der();
                    } else {
                        key = privateKey(file, b);
                    }
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new ConfigException(file + ": the private key is encrypted;"
                        + " Junction cannot ask for a pass phrase: decrypt it, e.g. openssl pkey -in FILE -out FILE");
                default -> {
                    // EC PARAMETERS, DH PARAMETERS and the like: not ours to use.
                }
            }
        }
        if (sec1WithoutCurve != null) {
            key = keyOnCertificateCurve(file, sec1WithoutCurve, certs, hints);
        }
        return new Contents(List.copyOf(certs), key);
    }

    /** The EC key whose curve is the one of the certificate it belongs to. */
    private static PrivateKey keyOnCertificateCurve(Path file, byte[] sec1, List<X509Certificate> certs,
            List<X509Certificate> hints) throws ConfigException {
        List<X509Certificate> all = new ArrayList<>(certs);
        all.addAll(hints);
        for (X509Certificate cert : all) {
            byte[] curve = spkiCurve(cert.getPublicKey().getEncoded());
            if (curve == null) {
                continue;
            }
            try {
                PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(wrapSec1(sec1, curve)));
                if (matches(key, cert)) {
                    return key;
                }
            } catch (GeneralSecurityException | RuntimeException e) {
                // another certificate, another curve
            }
        }
        throw new ConfigException(file + ": the EC PRIVATE KEY names no curve and belongs to no certificate here"
                + " (write it with its curve: openssl ec -in FILE -param_enc named_curve)");
    }

    private static PrivateKey privateKey(Path file, Block b) throws ConfigException {
        byte[] pkcs8;
        try {
            pkcs8 = switch (b.label()) {
                case "RSA PRIVATE KEY" -> wrapPkcs1(b.der());
                case "EC PRIVATE KEY" -> wrapSec1(b.der(), sec1Curve(file, b.der()));
                default -> b.der();
            };
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": the " + b.label() + " is malformed: " + e.getMessage());
        }
        // The PKCS#8 AlgorithmIdentifier names the algorithm, but trying the JDK's factories in
        // turn is simpler than decoding it and covers every algorithm the JDK knows.
        for (String algorithm : new String[] {"RSA", "EC", "EdDSA", "RSASSA-PSS", "XDH", "DSA"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException | RuntimeException e) {
                // next algorithm
            }
        }
        throw new ConfigException(file + ": the " + b.label() + " is not an RSA, ECDSA or EdDSA key the JDK can read");
    }

    /**
     * PKCS#1 RSAPrivateKey into PKCS#8 (RFC 5208 section 5):
     * <pre>
     * PrivateKeyInfo ::= SEQUENCE {
     *   version             INTEGER (0),
     *   privateKeyAlgorithm AlgorithmIdentifier (rsaEncryption, NULL),
     *   privateKey          OCTET STRING (the PKCS#1 RSAPrivateKey) }
     * </pre>
     */
    static byte[] wrapPkcs1(byte[] pkcs1) {
        return sequence(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM_ID, tlv(0x04, pkcs1));
    }

    /**
     * The named curve of a SEC 1 ECPrivateKey (RFC 5915 section 3), as a DER-encoded OID, or null
     * when the key does not name one:
     * <pre>
     * ECPrivateKey ::= SEQUENCE {
     *   version        INTEGER { ecPrivkeyVer1(1) },
     *   privateKey     OCTET STRING,
     *   parameters [0] ECParameters {{ NamedCurve }} OPTIONAL,
     *   publicKey  [1] BIT STRING OPTIONAL }
     * </pre>
     *
     * @throws ConfigException for a structure that is not an ECPrivateKey or has explicit curve
     *         parameters instead of a name
     */
    static byte[] sec1Curve(Path file, byte[] sec1) throws ConfigException {
        try {
            Der seq = new Der(sec1, 0, sec1.length).next(0x30);
            if (seq == null || seq.next(0x02) == null || seq.next(0x04) == null) {
                throw new IllegalArgumentException("not an ECPrivateKey structure");
            }
            while (seq.hasMore()) {
                int tag = seq.peekTag();
                Der field = seq.next(tag);
                if (tag == 0xa0) {
                    Der oid = field.next(0x06);
                    if (oid == null) {
                        throw new IllegalArgumentException("explicit curve parameters are not supported, only named curves");
                    }
                    return oid.encoded();
                }
            }
            return null;
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            throw new ConfigException(file + ": the EC PRIVATE KEY is malformed: " + e.getMessage());
        }
    }

    /**
     * SEC 1 ECPrivateKey into PKCS#8 (RFC 5208 section 5, RFC 5480 section 2.1.1):
     * {@code SEQUENCE { 0, SEQUENCE { id-ecPublicKey, namedCurve }, OCTET STRING { ECPrivateKey } }}.
     *
     * @param curve the DER-encoded curve OID
     */
    static byte[] wrapSec1(byte[] sec1, byte[] curve) {
        byte[] algorithm = sequence(EC_PUBLIC_KEY_OID, curve);
        return sequence(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, sec1));
    }

    /**
     * The named curve of an EC SubjectPublicKeyInfo (RFC 5280 section 4.1, RFC 5480 section
     * 2.1.1), DER-encoded, or null for another key type:
     * {@code SEQUENCE { SEQUENCE { id-ecPublicKey, namedCurve }, BIT STRING }}.
     */
    static byte[] spkiCurve(byte[] spki) {
        try {
            Der seq = new Der(spki, 0, spki.length).next(0x30);
            Der algorithm = seq == null ? null : seq.next(0x30);
            Der oid = algorithm == null ? null : algorithm.next(0x06);
            if (oid == null || !java.util.Arrays.equals(oid.encoded(), EC_PUBLIC_KEY_OID)) {
                return null;
            }
            Der curve = algorithm.next(0x06);
            return curve == null ? null : curve.encoded();
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            return null;
        }
    }

    /**
     * Whether {@code key} is the private half of {@code certificate}'s public key: signs a random
     * challenge and verifies it. Keys the check cannot exercise (no known signature algorithm)
     * are taken as matching; the TLS handshake would fail later for them.
     */
    static boolean matches(PrivateKey key, X509Certificate certificate) {
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

    // ------------------------------------------------------------------ minimal DER

    private static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            body.writeBytes(p);
        }
        return tlv(0x30, body.toByteArray());
    }

    /** X.690 section 8.1: tag, definite length (short or long form), contents. */
    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
        out.write(tag);
        int len = value.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    /** A cursor over DER contents (X.690 section 8.1), enough to walk an ECPrivateKey. */
    private static final class Der {
        private final byte[] buf;
        private int pos;
        private final int end;
        private int lastStart;

        Der(byte[] buf, int pos, int end) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
        }

        boolean hasMore() {
            return pos < end;
        }

        int peekTag() {
            return buf[pos] & 0xff;
        }

        /** The next element's contents if its tag is {@code tag}, else null (nothing consumed). */
        Der next(int tag) {
            if (pos + 2 > end || (buf[pos] & 0xff) != tag) {
                return null;
            }
            lastStart = pos;
            int p = pos + 1;
            int len = buf[p++] & 0xff;
            if (len >= 0x80) {
                int n = len & 0x7f;
                if (n == 0 || n > 3 || p + n > end) {
                    throw new IllegalArgumentException("unsupported DER length");
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (buf[p++] & 0xff);
                }
            }
            if (p + len > end) {
                throw new IllegalArgumentException("DER element runs past its container");
            }
            Der inner = new Der(buf, p, p + len);
            inner.lastStart = lastStart;
            pos = p + len;
            return inner;
        }

        /** The whole element (tag, length and contents) this cursor was opened on. */
        byte[] encoded() {
            byte[] out = new byte[end - lastStart];
            System.arraycopy(buf, lastStart, out, 0, out.length);
            return out;
        }
    }
}
