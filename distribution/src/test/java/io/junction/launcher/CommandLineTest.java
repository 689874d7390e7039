package io.junction.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    private static final Path CWD = Path.of("/srv/work");

    @Test
    void severalFilesKeepTheirOrderAndBecomeAbsolute() throws Exception {
        CommandLine cl = CommandLine.parse(new String[] {"-f", "a.cfg", "-f", "/etc/junction/b.cfg",
            "--config", "../c.cfg", "-fd.cfg", "--config=e.cfg"}, CWD);

        assertEquals(List.of(Path.of("/srv/work/a.cfg"), Path.of("/etc/junction/b.cfg"), Path.of("/srv/c.cfg"),
                Path.of("/srv/work/d.cfg"), Path.of("/srv/work/e.cfg")), cl.configs());
        assertEquals("/srv/work/a.cfg,/etc/junction/b.cfg,/srv/c.cfg,/srv/work/d.cfg,/srv/work/e.cfg",
                cl.configProperty());
        assertFalse(cl.check());
        assertFalse(cl.debug());
        assertNull(cl.stateDir());
    }

    @Test
    void flagsInAnyOrderAndBundled() throws Exception {
        CommandLine cl = CommandLine.parse(new String[] {"-cd", "--state", "st", "-f", "x.cfg"}, CWD);

        assertTrue(cl.check());
        assertTrue(cl.debug());
        assertEquals(Path.of("/srv/work/st"), cl.stateDir());
        assertTrue(CommandLine.parse(new String[] {"-f", "x", "--debug", "--shell"}, CWD).shell());
    }

    @Test
    void helpAndVersionNeedNoFile() throws Exception {
        assertTrue(CommandLine.parse(new String[] {"-h"}, CWD).help());
        assertTrue(CommandLine.parse(new String[] {"--version"}, CWD).version());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-c", "-f", "-f|", "--state|x|-f", "-x|-f|a", "bare|-f|a", "-f|a,b.cfg",
        "-c|--shell|-f|a", "--frobnicate"})
    void usageErrors(String argLine) {
        String[] args = argLine.isEmpty() ? new String[0] : argLine.split("\\|", -1);
        assertThrows(CommandLine.UsageException.class, () -> CommandLine.parse(args, CWD), argLine);
    }
}
