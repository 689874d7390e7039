package io.junction.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.junction.demo.DemoIdentity;

/**
 * {@code bin/junction -c} on terminating binds (issue 4, acceptance 3): a bad or missing
 * certificate file is a configuration error that names the config file and line and the
 * certificate file, and the check exits 1; the same lines with a good certificate are valid.
 * Runs the assembled distribution (target/junction), whose default features include the TLS
 * bundles.
 *
 * <p>Certificates come from {@link DemoIdentity} (which writes a PKCS#12 store); the test
 * turns them into the combined PEM files that {@code crt} reads.
 */
class TlsCertificateCheckIT {

    private static final Path DIST = Path.of(System.getProperty("junction.dist", "target/junction")).toAbsolutePath();
    private static final Path BIN = DIST.resolve("bin/junction");

    @TempDir
    Path tmp;

    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void distributionIsThere() {
        assertTrue(Files.isExecutable(BIN), BIN + " is missing: run the package phase first");
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        LeakCheck.assertNoReports(tmp);
    }

    @Test
    void goodCertificatesOnTerminatingBindsAreValid() throws Exception {
        Path good = goodPem("site.example.com");
        Path cfg = config(List.of(
                "    bind 127.0.0.1:18443 ssl crt " + good,
                "    bind 127.0.0.1:18444 ssl crt " + good.getFileName()));

        Result r = check(cfg);

        assertEquals(0, r.code, r.toString());
        assertTrue(r.out.contains("Configuration file is valid"), r.toString());
    }

    @Test
    void badOrMissingCertificateFilesExitOneNamingFileAndLine() throws Exception {
        Path good = goodPem("site.example.com");
        Path notPem = Files.writeString(tmp.resolve("not-pem.pem"), "this is not a certificate\n");
        // A certificate with the key of another certificate.
        String otherKey = pkcs8(freshKey());
        Path wrongKey = Files.writeString(tmp.resolve("wrong-key.pem"),
                certificatePem(DemoIdentity.generate("site.example.com").certificate()) + otherKey);
        // A certificate without any key (and no no-key.pem.key beside it).
        Path noKey = Files.writeString(tmp.resolve("no-key.pem"),
                certificatePem(DemoIdentity.generate("site.example.com").certificate()));
        Path missing = tmp.resolve("missing.pem");
        Path cfg = config(List.of(
                "    bind 127.0.0.1:18443 ssl crt " + good,      // line 6: fine
                "    bind 127.0.0.1:18444 ssl crt " + notPem,    // line 7
                "    bind 127.0.0.1:18445 ssl crt " + wrongKey,  // line 8
                "    bind 127.0.0.1:18446 ssl crt " + noKey,     // line 9
                "    bind 127.0.0.1:18447 ssl crt " + missing)); // line 10

        Result r = check(cfg);

        assertEquals(1, r.code, r.toString());
        assertFalse(r.out.contains("Configuration file is valid"), r.toString());
        assertFalse(r.err.contains(cfg + ":6:"), "the good certificate is not an error: " + r);
        assertError(r, cfg + ":7:", notPem);
        assertError(r, cfg + ":8:", wrongKey);
        assertError(r, cfg + ":9:", noKey);
        assertError(r, cfg + ":10:", missing);
    }

    /** stderr has a line starting with {@code where} that names {@code file}. */
    private static void assertError(Result r, String where, Path file) {
        for (String line : r.err.split("\\R")) {
            if (line.startsWith(where) && line.contains(file.toString())) {
                return;
            }
        }
        fail("no error line '" + where + " ... " + file + "': " + r);
    }

    // ---------------------------------------------------------------------------------------

    /** A config whose one listener has the given bind lines, from line 6 on. */
    private Path config(List<String> binds) throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "defaults",                      // 1
                "    timeout connect 5s",        // 2
                "    timeout client 30s",        // 3
                "    timeout server 30s",        // 4
                "listen http-server"));          // 5
        lines.addAll(binds);
        lines.add("    mode http");
        lines.add("    server default 127.0.0.1:18080");
        lines.add("");
        return Files.writeString(tmp.resolve("tls.cfg"), String.join("\n", lines));
    }

    /** A combined PEM (certificate, then its PKCS#8 key) for {@code name}. */
    private Path goodPem(String name) throws Exception {
        DemoIdentity.loadOrCreate(tmp, name);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(tmp.resolve(name + ".p12"))) {
            ks.load(in, "junction-demo".toCharArray());
        }
        String alias = ks.aliases().nextElement();
        PrivateKey key = (PrivateKey) ks.getKey(alias, "junction-demo".toCharArray());
        X509Certificate cert = (X509Certificate) ks.getCertificate(alias);
        return Files.writeString(tmp.resolve(name + ".pem"), certificatePem(cert) + pkcs8(key));
    }

    private static PrivateKey freshKey() throws Exception {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec("secp256r1"));
        return kpg.generateKeyPair().getPrivate();
    }

    private static String certificatePem(X509Certificate cert) throws Exception {
        return block("CERTIFICATE", cert.getEncoded());
    }

    private static String pkcs8(PrivateKey key) {
        return block("PRIVATE KEY", key.getEncoded()); // getEncoded() of a JDK private key is PKCS#8
    }

    private static String block(String type, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
    }

    private record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    /** {@code bin/junction -c -f cfg}, bounded. */
    private Result check(Path cfg) throws IOException, InterruptedException {
        List<String> cmd = List.of(BIN.toString(), "-c", "-f", cfg.toString());
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("TMPDIR", tmp.toString());
        LeakCheck.paranoid(pb);
        pb.directory(tmp.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        processes.add(p);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            fail("bin/junction " + cmd + " did not finish within 120 s:\n" + Files.readString(out)
                    + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
