package io.junction.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Netty's leak detector for the tests that run {@code bin/junction} as a process: the launcher
 * ships it disabled (docs/operations.md), and the in-JVM leak guard cannot see into another
 * process. So these tests start the router at {@code paranoid} (every buffer tracked) and fail
 * when its output holds a leak report ({@code LEAK:}, Netty's {@code ResourceLeakDetector}).
 */
final class LeakCheck {
    /** What Netty prints first in every leak report. */
    static final String REPORT = "LEAK:";
    /** Output files larger than this are not scanned (none of these tests writes that much). */
    private static final long MAX_SCANNED_BYTES = 64L * 1024 * 1024;

    private LeakCheck() {
    }

    /** Sets the JVM options of {@code bin/junction} for a test: Netty's leak detector at paranoid. */
    static void paranoid(ProcessBuilder pb) {
        pb.environment().put("JUNCTION_JAVA_OPTS", "-Dio.netty.leakDetection.level=paranoid");
    }

    /**
     * After the processes have ended: fails when a file under {@code dir} (their stdout, stderr
     * and logs) holds a leak report, quoting the first lines of each.
     */
    static void assertNoReports(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir, 3)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!Files.isRegularFile(f) || Files.size(f) > MAX_SCANNED_BYTES) {
                    continue;
                }
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                int at = text.indexOf(REPORT);
                if (at >= 0) {
                    found.add(f + ": " + text.substring(at, Math.min(text.length(), at + 600)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!found.isEmpty()) {
            throw new AssertionError("Netty reported buffer leaks in bin/junction:\n" + String.join("\n\n", found));
        }
    }
}
