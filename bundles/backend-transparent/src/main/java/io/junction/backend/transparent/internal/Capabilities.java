package io.junction.backend.transparent.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's Linux capabilities, read from {@code /proc/self/status} (proc(5): the
 * {@code CapEff:} line holds the effective set as 16 hex digits, bit N set when capability N is
 * effective). Setting IP_TRANSPARENT needs {@code CAP_NET_ADMIN} (capability 12,
 * linux/capability.h: {@code #define CAP_NET_ADMIN 12}); without it the kernel answers EPERM at
 * the first connection, which is why the option checks at config time instead.
 *
 * <p>Config time only (reads a file); stateless.
 */
final class Capabilities {

    /** linux/capability.h. */
    static final int CAP_NET_ADMIN = 12;

    /** Where the kernel publishes this process's capability sets. */
    static final Path PROC_SELF_STATUS = Path.of("/proc/self/status");

    private Capabilities() {
    }

    /**
     * Config time, does not block beyond a small file read: the text of
     * {@code /proc/self/status}, or {@code null} where it cannot be read (not Linux).
     */
    static String readProcStatus() {
        try {
            return Files.readString(PROC_SELF_STATUS, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Any thread: the effective capability mask of a {@code /proc/PID/status} text.
     *
     * @return the mask, or {@code null} when the text has no well-formed {@code CapEff:} line
     */
    static Long effective(String procStatus) {
        if (procStatus == null) {
            return null;
        }
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("CapEff:")) {
                String hex = line.substring("CapEff:".length()).trim();
                if (hex.isEmpty() || hex.length() > 16) {
                    return null;
                }
                try {
                    return Long.parseUnsignedLong(hex, 16);
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** Any thread: whether {@code capability} is set in {@code mask}. */
    static boolean has(long mask, int capability) {
        return (mask & (1L << capability)) != 0;
    }

    /** Any thread: the mask as the kernel prints it (16 hex digits), for messages. */
    static String format(long mask) {
        return String.format("%016x", mask);
    }
}
