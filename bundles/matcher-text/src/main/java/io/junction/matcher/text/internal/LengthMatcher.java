package io.junction.matcher.text.internal;

import io.netty.buffer.ByteBuf;

/**
 * {@code -m len}: the sample's length (chars of a string, readable bytes of a binary sample) is
 * one of the integer patterns. Patterns follow HAProxy's integer matching (7.1.2): {@code N},
 * ranges {@code A:B}, {@code A:} and {@code :B}, and the operators {@code eq ge gt le lt}, which
 * apply to the values that follow them. Compiled into inclusive [min, max] ranges.
 */
final class LengthMatcher extends TextMatcher {
    private final long[] min;
    private final long[] max;

    LengthMatcher(long[] min, long[] max) {
        this.min = min;
        this.max = max;
    }

    @Override
    boolean test(CharSequence s) {
        return inRange(s.length());
    }

    @Override
    boolean testBytes(ByteBuf b) {
        return inRange(b.readableBytes());
    }

    private boolean inRange(long len) {
        for (int i = 0; i < min.length; i++) {
            if (len >= min[i] && len <= max[i]) {
                return true;
            }
        }
        return false;
    }
}
