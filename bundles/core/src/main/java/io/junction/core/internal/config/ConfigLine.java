package io.junction.core.internal.config;

import java.nio.file.Path;
import java.util.List;

/**
 * One logical line of a configuration file: its words after quoting and escaping were undone,
 * and where it stands, for {@code file:line} messages.
 */
public record ConfigLine(Path file, int number, List<String> words) {

    public ConfigLine {
        words = List.copyOf(words);
    }

    public String keyword() {
        return words.get(0);
    }

    public String location() {
        return file + ":" + number;
    }

    @Override
    public String toString() {
        return location() + ": " + String.join(" ", words);
    }
}
