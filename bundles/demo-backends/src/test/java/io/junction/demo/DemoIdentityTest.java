package io.junction.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoIdentityTest {

    @Test
    void certificateNamesTheServerInCnAndSanOnly() throws Exception {
        X509Certificate cert = DemoIdentity.generate("app1.example.com").certificate();

        assertEquals("app1.example.com", DemoIdentity.generate("app1.example.com").commonName());
        assertTrue(cert.getSubjectX500Principal().getName().contains("CN=app1.example.com"),
                cert.getSubjectX500Principal().getName());
        assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal(), "self-signed");
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        assertEquals(List.of(List.of(2, "app1.example.com")), List.copyOf(sans), "one dNSName SAN");
        assertTrue(cert.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "serverAuth EKU");
        assertEquals(-1, cert.getBasicConstraints(), "not a CA");
        cert.verify(cert.getPublicKey());
    }

    @Test
    void secondStartReusesTheStoredIdentity(@TempDir Path dir) throws Exception {
        DemoIdentity first = DemoIdentity.loadOrCreate(dir, "app2.example.com");
        DemoIdentity second = DemoIdentity.loadOrCreate(dir, "app2.example.com");

        assertArrayEquals(first.certificate().getEncoded(), second.certificate().getEncoded());
        assertTrue(Files.readString(dir.resolve("app2.example.com.crt")).startsWith("-----BEGIN CERTIFICATE-----\n"));
        assertEquals("rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("app2.example.com.p12"))));
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.toString().endsWith(".tmp")), "no temp files left behind");
        }
    }

    @Test
    void eachNameGetsItsOwnKey(@TempDir Path dir) throws Exception {
        DemoIdentity a = DemoIdentity.loadOrCreate(dir, "app1.example.com");
        DemoIdentity b = DemoIdentity.loadOrCreate(dir, "app2.example.com");

        assertNotEquals(a.certificate().getPublicKey(), b.certificate().getPublicKey());
    }

    @Test
    void corruptOrForeignStoreIsReplaced(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("app1.example.com.p12"), new byte[] {1, 2, 3});
        DemoIdentity fresh = DemoIdentity.loadOrCreate(dir, "app1.example.com");
        assertEquals("app1.example.com", fresh.commonName());

        // A store made for another name is not reused under this one.
        Files.copy(dir.resolve("app1.example.com.p12"), dir.resolve("app2.example.com.p12"));
        DemoIdentity other = DemoIdentity.loadOrCreate(dir, "app2.example.com");
        assertEquals("app2.example.com", other.commonName());
    }
}
