package io.junction.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void substitutesKnownVariablesAndKeepsUnknownOnes() {
        Map<String, String> vars = Map.of("junction.home", "/opt/j", "x", "$1\\");
        assertEquals("/opt/j/deploy", Main.substitute("${junction.home}/deploy", vars));
        assertEquals("a ${nope} $1\\", Main.substitute("a ${nope} ${x}", vars));
        assertEquals("plain", Main.substitute("plain", vars));
    }

    @Test
    void exitCodeFollowsThePublishedProperty() {
        assertEquals(0, Main.exitCode(0));
        assertEquals(1, Main.exitCode(1));
        assertEquals(0, Main.exitCode(" 0 "));
        assertEquals(1, Main.exitCode("valid"));
        assertEquals(1, Main.exitCode(null));
    }

    @Test
    void usageErrorExitsTwoWithTheUsageLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = Main.run(new String[] {"-c"}, new PrintStream(out, true), new PrintStream(err, true));

        assertEquals(2, code);
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("no configuration file given"), e);
        assertTrue(e.contains(CommandLine.USAGE), e);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpGoesToStdoutAndExitsZero() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"--help"}, new PrintStream(out, true), new PrintStream(new ByteArrayOutputStream()));
        assertEquals(0, code);
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith(CommandLine.USAGE));
    }
}
