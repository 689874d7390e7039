package io.junction.core.internal.compile;

import io.junction.api.ConfigException;

/**
 * HAProxy time values (configuration manual, section 2.5 "Time format"): a number with an
 * optional unit {@code us}, {@code ms} (the default), {@code s}, {@code m}, {@code h},
 * {@code d}. Returned in milliseconds, microseconds rounded up.
 */
final class Durations {

    private Durations() {
    }

    static long parseMillis(String text) throws ConfigException {
        int i = 0;
        while (i < text.length() && Character.isDigit(text.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new ConfigException("'" + text + "' is not a duration (e.g. 500ms, 10s, 1m)");
        }
        long value;
        try {
            value = Long.parseLong(text.substring(0, i));
        } catch (NumberFormatException e) {
            throw new ConfigException("'" + text + "' is too large");
        }
        String unit = text.substring(i);
        long millis = switch (unit) {
            case "", "ms" -> value;
            case "us" -> (value + 999) / 1000;
            case "s" -> value * 1000;
            case "m" -> value * 60_000;
            case "h" -> value * 3_600_000;
            case "d" -> value * 86_400_000;
            default -> throw new ConfigException("'" + text + "': unknown time unit '" + unit + "' (us, ms, s, m, h, d)");
        };
        if (millis < 0 || millis > 24L * 86_400_000 * 365) {
            throw new ConfigException("'" + text + "' is out of range");
        }
        return millis;
    }
}
