package io.junction.matcher.text.internal;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Per-thread reusable objects, so that matching allocates nothing in the steady state.
 *
 * <p>There is one {@link FastThreadLocal} for the whole bundle, not one per compiled regular
 * expression: Netty never recycles FastThreadLocal indexes, and every configuration reload
 * compiles new expressions, so a FastThreadLocal per expression would grow every event loop's
 * index table for the life of the process. Instead each thread keeps a fixed table of
 * {@value #REGEX_SLOTS} {@link Matcher}s, addressed by a slot number given to each expression at
 * compile time (consecutive numbers, so up to that many live expressions never share a slot). A
 * slot holding another expression's Matcher is replaced: an allocation only after a reload or
 * beyond {@value #REGEX_SLOTS} live expressions. Memory per thread stays bounded either way.
 */
final class Scratch {
    static final int REGEX_SLOTS = 256;

    private static final FastThreadLocal<Scratch> SCRATCH = new FastThreadLocal<Scratch>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    final ByteBufChars bytes = new ByteBufChars();
    final BudgetChars budget = new BudgetChars();
    private final Matcher[] regex = new Matcher[REGEX_SLOTS];

    private Scratch() {
    }

    /** Any thread: this thread's scratch objects. */
    static Scratch get() {
        return SCRATCH.get();
    }

    /** This thread's reusable Matcher for {@code pattern} in {@code slot} (0 to REGEX_SLOTS-1). */
    Matcher matcher(Pattern pattern, int slot) {
        Matcher m = regex[slot];
        if (m == null || m.pattern() != pattern) {
            m = pattern.matcher("");
            regex[slot] = m;
        }
        return m;
    }
}
