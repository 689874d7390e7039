package io.junction.shell.internal;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Collects a command's output up to a bound; the rest is counted, not kept, so a command that
 * prints without end cannot exhaust the heap. Written by the command's thread(s), read once after
 * the command ended; synchronized because Gogo pipes may write from their own threads.
 */
final class BoundedOutput extends OutputStream {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private final int max;
    private long dropped;

    BoundedOutput(int max) {
        this.max = max;
    }

    @Override
    public synchronized void write(int b) {
        if (buf.size() < max) {
            buf.write(b);
        } else {
            dropped++;
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        int room = Math.max(0, Math.min(len, max - buf.size()));
        buf.write(b, off, room);
        dropped += len - room;
    }

    /** @return the kept text (UTF-8; a character cut at the bound becomes U+FFFD), and a note when some was dropped */
    synchronized String text() {
        String s = buf.toString(StandardCharsets.UTF_8);
        if (dropped > 0) {
            s += (s.endsWith("\n") || s.isEmpty() ? "" : "\n") + "(output truncated: " + dropped + " more bytes)\n";
        }
        return s;
    }
}
