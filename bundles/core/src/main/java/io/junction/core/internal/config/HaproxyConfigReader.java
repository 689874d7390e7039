package io.junction.core.internal.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads configuration files written in HAProxy's dialect into sections of tokenised lines.
 * Only the syntax is handled here; what the keywords mean is the compiler's business, so that
 * other sources (a shell command, a shared store) can feed the same model.
 *
 * <p>Tokenising follows the HAProxy configuration manual, section 2.2 "Quoting and escaping":
 * words are separated by spaces or tabs; a backslash escapes the next character; inside double
 * quotes spaces are kept and backslash escapes still work; inside single quotes everything is
 * literal; {@code #} outside quotes starts a comment. A word may mix quoted and unquoted parts
 * ({@code a"b c"d} is one word {@code ab cd}).
 */
public final class HaproxyConfigReader {

    /** Section keywords of HAProxy that Junction reads. */
    public static final Set<String> SECTIONS = Set.of("global", "defaults", "listen", "frontend", "backend");

    /** HAProxy sections that Junction does not serve; named in the error so users know why. */
    private static final Set<String> FOREIGN_SECTIONS = Set.of("peers", "resolvers", "userlist", "program",
            "cache", "ring", "http-errors", "mailers", "crt-store", "traces", "log-forward");

    /** Refuse absurdly long lines rather than build huge strings from a corrupt file. */
    static final int MAX_LINE_LENGTH = 64 * 1024;

    private final List<ConfigSection> sections = new ArrayList<>();
    private final List<ConfigProblem> problems = new ArrayList<>();

    /** Config thread: reads every file in order; problems are collected, not thrown. */
    public static Result read(List<Path> files) {
        HaproxyConfigReader reader = new HaproxyConfigReader();
        for (Path file : files) {
            reader.readFile(file);
        }
        return new Result(List.copyOf(reader.sections), List.copyOf(reader.problems));
    }

    /** The sections read and the syntax problems found. */
    public record Result(List<ConfigSection> sections, List<ConfigProblem> problems) {
    }

    private void readFile(Path file) {
        List<String> text;
        try {
            text = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            problems.add(ConfigProblem.error(file.toString(), "cannot read configuration file: " + e));
            return;
        }
        String kind = null;
        String name = "";
        ConfigLine header = null;
        List<ConfigLine> lines = new ArrayList<>();
        for (int i = 0; i < text.size(); i++) {
            String raw = text.get(i);
            int number = i + 1;
            if (raw.length() > MAX_LINE_LENGTH) {
                problems.add(ConfigProblem.error(file + ":" + number, "line longer than " + MAX_LINE_LENGTH + " characters"));
                continue;
            }
            List<String> words;
            try {
                words = tokenize(raw);
            } catch (IllegalArgumentException e) {
                problems.add(ConfigProblem.error(file + ":" + number, e.getMessage()));
                continue;
            }
            if (words.isEmpty()) {
                continue;
            }
            ConfigLine line = new ConfigLine(file, number, words);
            String first = words.get(0);
            if (SECTIONS.contains(first)) {
                if (kind != null) {
                    sections.add(new ConfigSection(kind, name, header, lines));
                }
                kind = first;
                header = line;
                lines = new ArrayList<>();
                name = words.size() > 1 ? words.get(1) : "";
                if ((first.equals("listen") || first.equals("frontend") || first.equals("backend")) && name.isEmpty()) {
                    problems.add(ConfigProblem.error(line.location(), "'" + first + "' needs a name"));
                }
                checkHeader(line);
                continue;
            }
            if (FOREIGN_SECTIONS.contains(first) && kind == null) {
                problems.add(ConfigProblem.error(line.location(), "section '" + first + "' is not supported by Junction"));
                continue;
            }
            if (kind == null) {
                problems.add(ConfigProblem.error(line.location(), "'" + first
                        + "' outside of any section; start one with global, defaults, listen, frontend or backend"));
                continue;
            }
            lines.add(line);
        }
        if (kind != null) {
            sections.add(new ConfigSection(kind, name, header, lines));
        }
    }

    /** {@code global}; {@code defaults [NAME] [from NAME]}; {@code listen|frontend|backend NAME [from NAME]}. */
    private void checkHeader(ConfigLine line) {
        List<String> w = line.words();
        String kind = w.get(0);
        int fixed = kind.equals("global") ? 1 : kind.equals("defaults") && (w.size() < 2 || w.get(1).equals("from")) ? 1 : 2;
        int size = w.size();
        boolean ok = size == fixed || (size == fixed + 2 && w.get(fixed).equals("from") && !kind.equals("global"));
        if (!ok && size > fixed) {
            problems.add(ConfigProblem.error(line.location(), "unexpected words after '" + kind
                    + (fixed == 2 ? " " + w.get(1) : "") + "': " + String.join(" ", w.subList(fixed, size))));
        }
    }

    /**
     * Splits one line into words (HAProxy configuration manual, 2.2).
     *
     * @throws IllegalArgumentException for an unterminated quote or a trailing backslash
     */
    static List<String> tokenize(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int n = line.length();
        for (int i = 0; i < n; i++) {
            char c = line.charAt(i);
            if (c == '#') {
                break;
            }
            if (c == ' ' || c == '\t' || c == '\r') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                continue;
            }
            inWord = true;
            if (c == '\\') {
                if (i + 1 >= n) {
                    throw new IllegalArgumentException("backslash at end of line (line continuation is not supported)");
                }
                word.append(unescape(line.charAt(++i)));
            } else if (c == '"') {
                int j = i + 1;
                for (; j < n && line.charAt(j) != '"'; j++) {
                    char q = line.charAt(j);
                    if (q == '\\' && j + 1 < n) {
                        word.append(unescape(line.charAt(++j)));
                    } else {
                        word.append(q);
                    }
                }
                if (j >= n) {
                    throw new IllegalArgumentException("unterminated double quote");
                }
                i = j;
            } else if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated single quote");
                }
                word.append(line, i + 1, end);
                i = end;
            } else {
                word.append(c);
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    private static char unescape(char c) {
        return switch (c) {
            case 'n' -> '\n';
            case 't' -> '\t';
            case 'r' -> '\r';
            default -> c;
        };
    }
}
