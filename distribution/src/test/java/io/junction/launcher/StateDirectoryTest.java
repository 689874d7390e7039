package io.junction.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirectoryTest {

    private static final Path TMP = Path.of("/tmp");
    private static final Path HOME = Path.of("/opt/junction");

    @Test
    void defaultIsStablePerConfigurationAndDiffersBetweenThem() {
        Path a = StateDirectory.defaultFor(TMP, "alice", HOME, List.of(Path.of("/etc/a.cfg")));
        Path again = StateDirectory.defaultFor(TMP, "alice", HOME, List.of(Path.of("/etc/a.cfg")));
        Path b = StateDirectory.defaultFor(TMP, "alice", HOME, List.of(Path.of("/etc/b.cfg")));
        Path ab = StateDirectory.defaultFor(TMP, "alice", HOME, List.of(Path.of("/etc/a.cfg"), Path.of("/etc/b.cfg")));
        Path otherHome = StateDirectory.defaultFor(TMP, "alice", Path.of("/opt/j2"), List.of(Path.of("/etc/a.cfg")));
        Path bob = StateDirectory.defaultFor(TMP, "bob", HOME, List.of(Path.of("/etc/a.cfg")));

        assertEquals(a, again);
        assertEquals(4, List.of(a, b, ab, otherHome).stream().distinct().count());
        assertNotEquals(a, bob);
        assertTrue(a.getFileName().toString().matches("junction-alice-[0-9a-f]{12}"), a.toString());
        assertEquals(TMP, a.getParent());
    }

    @Test
    void oddUserNamesStayInOneFileName() {
        Path p = StateDirectory.defaultFor(TMP, "dom\\user/x", HOME, List.of(Path.of("/a")));
        assertEquals(TMP, p.getParent());
    }

    @Test
    void openCreatesAPrivateDirectoryAndLocksIt(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("state");
        try (StateDirectory s = StateDirectory.open(dir)) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
            assertEquals(dir.resolve("felix"), s.frameworkStorage());
            IOException second = assertThrows(IOException.class, () -> StateDirectory.open(dir));
            assertTrue(second.getMessage().contains("in use"), second.getMessage());
        }
        // Released: the next instance may take it.
        StateDirectory.open(dir).close();
    }

    @Test
    void aFileInTheWayIsReported(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("state"), "x");
        assertThrows(IOException.class, () -> StateDirectory.open(file));
    }

    @Test
    void deleteTreeRemovesEverything(@TempDir Path tmp) throws IOException {
        Path root = tmp.resolve("r");
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/b/c"), "x");
        StateDirectory.deleteTree(root);
        assertTrue(Files.notExists(root));
    }
}
