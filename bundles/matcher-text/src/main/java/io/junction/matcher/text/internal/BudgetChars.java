package io.junction.matcher.text.internal;

/**
 * A sample seen through a read budget, so that a regular expression with catastrophic
 * backtracking ({@code (a+)+$}) on a hostile sample cannot hold an event loop: java.util.regex
 * reads the input only through {@link #charAt}, so counting those reads bounds its work. When the
 * budget is spent, {@link #charAt} throws the preallocated {@link #EXHAUSTED} (no stack trace, no
 * allocation) and the match counts as failed. Reused per thread (see {@link Scratch}).
 */
final class BudgetChars implements CharSequence {
    /**
     * Char reads allowed per regular-expression match: a thousand full passes over a 1 KB sample,
     * a few milliseconds of CPU at worst. PCRE, which HAProxy uses, bounds backtracking the same
     * way (its match_limit) for the same reason.
     */
    static final int READ_BUDGET = 1_000_000;

    /** Thrown when the budget is spent. Shared and immutable: no stack trace, no suppression. */
    static final RuntimeException EXHAUSTED = new RuntimeException(
            "regular expression exceeded " + READ_BUDGET + " sample reads", null, false, false) {
        private static final long serialVersionUID = 1L;
    };

    private CharSequence inner;
    private int left;

    /** Event loop: starts a match over {@code s} with a fresh budget. */
    BudgetChars wrap(CharSequence s) {
        this.inner = s;
        this.left = READ_BUDGET;
        return this;
    }

    /** Event loop: drops the reference to the sample. */
    void clear() {
        inner = null;
    }

    @Override
    public int length() {
        return inner.length();
    }

    @Override
    public char charAt(int index) {
        if (--left < 0) {
            throw EXHAUSTED;
        }
        return inner.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return inner.subSequence(start, end);
    }

    @Override
    public String toString() {
        return inner.toString();
    }
}
