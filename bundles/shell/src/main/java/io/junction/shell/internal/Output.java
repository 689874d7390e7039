package io.junction.shell.internal;

import java.util.List;

/**
 * What a command produced: plain-text lines for the operator, and whether it succeeded (the
 * exit status of {@code bin/junction ctl}).
 *
 * @param lines one item per line, no line terminators
 * @param ok    false when the command failed (core absent, configuration rejected, ...)
 */
public record Output(List<String> lines, boolean ok) {

    /**
     * A successful output.
     *
     * @param lines the lines (copied)
     * @return the output
     */
    public static Output ok(List<String> lines) {
        return new Output(List.copyOf(lines), true);
    }

    /**
     * A failed output.
     *
     * @param lines the lines (copied); they say why
     * @return the output
     */
    public static Output failed(List<String> lines) {
        return new Output(List.copyOf(lines), false);
    }

    /**
     * A failed output of one line.
     *
     * @param line why
     * @return the output
     */
    public static Output failed(String line) {
        return new Output(List.of(line), false);
    }
}
