package io.junction.matcher.text.internal;

import io.junction.api.Matcher;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.RandomAccess;

/**
 * A compiled string match. Takes a {@link CharSequence} (STRING samples), a {@link ByteBuf}
 * (BINARY samples, read byte per char without moving its indexes), or a {@link List} of either
 * (multi-valued fetches: matches when any element does). Anything else never matches: the
 * factory rejects other sample types at compile time, so that is only a fetch breaking its
 * declared type, and an event loop must not throw for it.
 *
 * <p>Instances are immutable and shared by every event loop.
 */
abstract class TextMatcher implements Matcher {

    /**
     * Event loop: whether {@code sample} matches. Does not block; allocates nothing for
     * CharSequence, ByteBuf and RandomAccess lists. Never retains or releases a ByteBuf.
     */
    @Override
    public final boolean matches(Object sample) {
        if (sample instanceof CharSequence) {
            return test((CharSequence) sample);
        }
        if (sample instanceof ByteBuf) {
            return testBytes((ByteBuf) sample);
        }
        if (sample instanceof List) {
            List<?> list = (List<?>) sample;
            if (list instanceof RandomAccess) {
                for (int i = 0, n = list.size(); i < n; i++) {
                    if (matchesElement(list.get(i))) {
                        return true;
                    }
                }
                return false;
            }
            for (Object o : list) {
                if (matchesElement(o)) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean matchesElement(Object o) {
        if (o instanceof CharSequence) {
            return test((CharSequence) o);
        }
        if (o instanceof ByteBuf) {
            return testBytes((ByteBuf) o);
        }
        return false;
    }

    /** Event loop: a binary sample, through this thread's reusable byte view. */
    boolean testBytes(ByteBuf b) {
        ByteBufChars view = Scratch.get().bytes.wrap(b);
        try {
            return test(view);
        } finally {
            view.clear();
        }
    }

    /** Event loop: the match proper. Must not keep {@code s} after returning. */
    abstract boolean test(CharSequence s);
}
