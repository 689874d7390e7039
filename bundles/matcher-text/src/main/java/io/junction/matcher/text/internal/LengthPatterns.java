package io.junction.matcher.text.internal;

import io.junction.api.ConfigException;
import java.util.Arrays;
import java.util.List;

/**
 * Config time: parses {@code -m len} patterns as HAProxy's integer patterns (configuration
 * manual 7.1.2): {@code N}; ranges {@code A:B}, {@code A:} (A or more), {@code :B} (B or less);
 * operators {@code eq ge gt le lt} that apply to every following value until the next operator.
 * An operator with a range is rejected (HAProxy discourages it and its meaning is unclear).
 */
final class LengthPatterns {
    private LengthPatterns() {
    }

    static LengthMatcher compile(List<String> patterns) throws ConfigException {
        long[] min = new long[patterns.size()];
        long[] max = new long[patterns.size()];
        int n = 0;
        String op = "eq";
        boolean opPending = false;
        for (String p : patterns) {
            switch (p) {
                case "eq":
                case "ge":
                case "gt":
                case "le":
                case "lt":
                    if (opPending) {
                        throw new ConfigException("-m len: operator '" + op + "' is not followed by a value");
                    }
                    op = p;
                    opPending = true;
                    continue;
                default:
                    break;
            }
            opPending = false;
            int colon = p.indexOf(':');
            long lo;
            long hi;
            if (colon >= 0) {
                if (!op.equals("eq")) {
                    throw new ConfigException("-m len: operator '" + op + "' cannot apply to the range '" + p + "'");
                }
                String a = p.substring(0, colon);
                String b = p.substring(colon + 1);
                lo = a.isEmpty() ? Long.MIN_VALUE : parse(a, p);
                hi = b.isEmpty() ? Long.MAX_VALUE : parse(b, p);
                if (a.isEmpty() && b.isEmpty() || lo > hi) {
                    throw new ConfigException("-m len: '" + p + "' is not a valid range (A:B with A <= B, A: or :B)");
                }
            } else {
                long v = parse(p, p);
                switch (op) {
                    case "ge":
                        lo = v;
                        hi = Long.MAX_VALUE;
                        break;
                    case "gt":
                        lo = v == Long.MAX_VALUE ? v : v + 1;
                        hi = v == Long.MAX_VALUE ? v - 1 : Long.MAX_VALUE; // gt MAX matches nothing
                        break;
                    case "le":
                        lo = Long.MIN_VALUE;
                        hi = v;
                        break;
                    case "lt":
                        lo = Long.MIN_VALUE;
                        hi = v == Long.MIN_VALUE ? v : v - 1;
                        if (v == Long.MIN_VALUE) {
                            lo = v + 1; // lt MIN matches nothing
                        }
                        break;
                    default:
                        lo = v;
                        hi = v;
                }
            }
            min[n] = lo;
            max[n] = hi;
            n++;
        }
        if (opPending) {
            throw new ConfigException("-m len: operator '" + op + "' is not followed by a value");
        }
        if (n == 0) {
            throw new ConfigException("-m len needs at least one length");
        }
        return new LengthMatcher(Arrays.copyOf(min, n), Arrays.copyOf(max, n));
    }

    private static long parse(String s, String pattern) throws ConfigException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new ConfigException("-m len: '" + pattern + "' is not an integer, a range (A:B, A:, :B) "
                    + "or an operator (eq, ge, gt, le, lt)");
        }
    }
}
