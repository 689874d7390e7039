package io.junction.core.internal.config;

import java.util.List;

/**
 * A section of the configuration ({@code global}, {@code defaults}, {@code listen},
 * {@code frontend}, {@code backend}) with the lines under it, in order.
 *
 * @param kind the section keyword
 * @param name the section's name; empty for {@code global} and unnamed {@code defaults}
 * @param header the line that opened the section
 * @param lines the lines inside it
 */
public record ConfigSection(String kind, String name, ConfigLine header, List<ConfigLine> lines) {

    public ConfigSection {
        lines = List.copyOf(lines);
    }

    public boolean isFrontend() {
        return kind.equals("frontend") || kind.equals("listen");
    }

    public boolean isBackend() {
        return kind.equals("backend") || kind.equals("listen");
    }
}
