package io.junction.core.internal.route;

import io.junction.api.Fetch;
import io.junction.api.Matcher;
import java.util.List;

/**
 * A compiled condition ({@code if} / {@code unless} of a rule): ACL terms combined by AND
 * (juxtaposition), OR and negation, as in the HAProxy configuration manual, section 7.2.
 * Evaluated on the connection's event loop; allocates nothing.
 */
public interface Condition {

    Tri eval(Inspection inspection);

    /** Always true: a rule written without {@code if}/{@code unless}. */
    Condition ALWAYS = inspection -> Tri.TRUE;

    /** HAProxy's predefined {@code TRUE}. */
    Condition TRUE = ALWAYS;

    /** HAProxy's predefined {@code FALSE}. */
    Condition FALSE = inspection -> Tri.FALSE;

    /**
     * HAProxy's predefined {@code WAIT_END}: true once inspection is over, undecided before, so
     * a rule on it holds the connection until the inspect delay elapses.
     */
    Condition WAIT_END = inspection -> inspection.ended() ? Tri.TRUE : Tri.UNKNOWN;

    /**
     * One ACL: a fetch, a matcher, and the sniffers that could still produce the fetch's sample.
     * A missing sample is undecided while such a sniffer runs, false afterwards (a fetch that
     * fails matches nothing, as in HAProxy).
     *
     * @param exactPatterns the patterns as written when the match method is {@code str} (the
     *        sample equals a pattern, {@code -i} folding letters), so that {@link RuleList} can
     *        look a run of such rules up by name; null for any other method
     */
    record Acl(String text, Fetch fetch, Matcher matcher, long snifferMask, List<String> exactPatterns)
            implements Condition {

        /** An ACL that no index may look up by name: its method is not known to be equality. */
        public Acl(String text, Fetch fetch, Matcher matcher, long snifferMask) {
            this(text, fetch, matcher, snifferMask, null);
        }

        @Override
        public Tri eval(Inspection inspection) {
            Object sample = fetch.sample(inspection.facts());
            if (sample != null) {
                if (matcher.matches(sample)) {
                    return Tri.TRUE;
                }
                boolean mayStillMatch = fetch.mayChange() && (inspection.activeSniffers() & snifferMask) != 0
                        && !inspection.ended();
                return mayStillMatch ? Tri.UNKNOWN : Tri.FALSE;
            }
            if ((inspection.activeSniffers() & snifferMask) != 0 && !inspection.ended()) {
                return Tri.UNKNOWN;
            }
            return Tri.FALSE;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    record Not(Condition inner) implements Condition {
        @Override
        public Tri eval(Inspection inspection) {
            return inner.eval(inspection).not();
        }
    }

    /** All terms true; false as soon as one is false even if others are undecided. */
    record And(Condition[] terms) implements Condition {
        @Override
        public Tri eval(Inspection inspection) {
            Tri result = Tri.TRUE;
            for (Condition term : terms) {
                Tri t = term.eval(inspection);
                if (t == Tri.FALSE) {
                    return Tri.FALSE;
                }
                if (t == Tri.UNKNOWN) {
                    result = Tri.UNKNOWN;
                }
            }
            return result;
        }
    }

    /** Any term true; true as soon as one is true even if others are undecided. */
    record Or(Condition[] terms) implements Condition {
        @Override
        public Tri eval(Inspection inspection) {
            Tri result = Tri.FALSE;
            for (Condition term : terms) {
                Tri t = term.eval(inspection);
                if (t == Tri.TRUE) {
                    return Tri.TRUE;
                }
                if (t == Tri.UNKNOWN) {
                    result = Tri.UNKNOWN;
                }
            }
            return result;
        }
    }

    static Condition and(List<Condition> terms) {
        return terms.size() == 1 ? terms.get(0) : new And(terms.toArray(new Condition[0]));
    }

    static Condition or(List<Condition> terms) {
        return terms.size() == 1 ? terms.get(0) : new Or(terms.toArray(new Condition[0]));
    }
}
