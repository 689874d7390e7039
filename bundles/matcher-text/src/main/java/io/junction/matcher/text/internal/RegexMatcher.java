package io.junction.matcher.text.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code -m reg}: one of the regular expressions is found in the sample (unanchored, as HAProxy's
 * {@code regex_exec}: write {@code ^} and {@code $} to anchor). Expressions are compiled once;
 * {@code -i} is {@link Pattern#CASE_INSENSITIVE}, ASCII only like the other methods. Each thread
 * reuses one {@link Matcher} per expression ({@link Scratch}), reset onto the sample, so a match
 * allocates nothing; the sample is read through a budget ({@link BudgetChars}) so that runaway
 * backtracking ends as "no match" instead of stalling the event loop.
 */
final class RegexMatcher extends TextMatcher {
    private static final Logger LOG = LoggerFactory.getLogger(RegexMatcher.class);
    /** Hands out consecutive slots, so the expressions of one configuration do not collide. */
    private static final AtomicInteger NEXT_SLOT = new AtomicInteger();

    private final Pattern[] patterns;
    private final int[] slots;
    private final String where;
    /** Warn once per compiled matcher, not once per hostile connection. */
    private final AtomicBoolean warned = new AtomicBoolean();

    /** Config time. @param where the ACL's {@code file:line}, for the warning */
    RegexMatcher(Pattern[] patterns, String where) {
        this.patterns = patterns;
        this.where = where;
        this.slots = new int[patterns.length];
        for (int i = 0; i < patterns.length; i++) {
            slots[i] = Math.floorMod(NEXT_SLOT.getAndIncrement(), Scratch.REGEX_SLOTS);
        }
    }

    @Override
    boolean test(CharSequence s) {
        Scratch scratch = Scratch.get();
        BudgetChars input = scratch.budget;
        for (int i = 0; i < patterns.length; i++) {
            Matcher m = scratch.matcher(patterns[i], slots[i]);
            try {
                if (m.reset(input.wrap(s)).find()) {
                    return true;
                }
            } catch (RuntimeException e) {
                if (e != BudgetChars.EXHAUSTED) {
                    throw e;
                }
                gaveUp(patterns[i], "after " + BudgetChars.READ_BUDGET + " sample reads (runaway backtracking)");
            } catch (StackOverflowError e) {
                // java.util.regex recurses per repetition of some constructs; a long sample can
                // exhaust the stack. The event loop survives it: the frames are already unwound.
                gaveUp(patterns[i], "with a stack overflow (too deep a recursion on a long sample)");
            } finally {
                // Keep no sample reachable from the thread's Matcher or view between matches.
                m.reset("");
                input.clear();
            }
        }
        return false;
    }

    private void gaveUp(Pattern p, String how) {
        if (warned.compareAndSet(false, true)) {
            LOG.warn("{}: regular expression '{}' gave up on a sample {}; counted as no match. "
                    + "Simplify the expression.", where, p.pattern(), how);
        }
    }
}
