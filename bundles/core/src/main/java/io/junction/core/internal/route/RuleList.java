package io.junction.core.internal.route;

import io.junction.api.Fetch;
import io.junction.api.SampleType;
import java.util.ArrayList;
import java.util.List;

/**
 * Switching rules ({@code use-server}, {@code use_backend}) in configuration order, compiled so
 * that the first true rule is found without evaluating them all: each run of at least
 * {@value #MIN_RUN} consecutive rules whose condition is one exact-name ACL on the same fetch
 * ({@code req.ssl_sni -i NAME...}) becomes an {@link ExactNameRun}, a hash table; rules of any
 * other shape are evaluated one by one between the runs, as before. The answers are those of
 * evaluating every rule in order ({@link #scan}), which the tests check against it. Immutable;
 * read on every event loop, allocation-free.
 */
public final class RuleList<T> {
    /** {@link #first}: no rule at or after the start is true. */
    public static final int NONE = -1;
    /** {@link #first}: a rule before the first true one is undecided (the connection waits). */
    public static final int WAIT = -2;
    /**
     * Shorter runs are scanned: for a few rules, comparing the sample with each (the matcher
     * rejects on length first) costs about what hashing it does.
     */
    static final int MIN_RUN = 4;

    private final Rule<T>[] rules;
    /** The run covering each rule, or null for a rule evaluated on its own. */
    private final ExactNameRun[] runAt;

    /** Config time: compiles {@code rules}, indexing runs of {@value #MIN_RUN} or more. */
    public RuleList(List<Rule<T>> rules) {
        this(rules, MIN_RUN);
    }

    /** Config time; {@code minRun} lets tests index runs of any length, down to one rule. */
    RuleList(List<Rule<T>> rules, int minRun) {
        @SuppressWarnings("unchecked")
        Rule<T>[] array = rules.toArray(new Rule[0]);
        this.rules = array;
        this.runAt = new ExactNameRun[array.length];
        int i = 0;
        while (i < array.length) {
            Condition.Acl head = indexable(array[i]);
            int j = i + 1;
            if (head != null) {
                while (j < array.length && sameRun(head, indexable(array[j]))) {
                    j++;
                }
            }
            if (head != null && j - i >= minRun) {
                List<Condition.Acl> acls = new ArrayList<>(j - i);
                for (int k = i; k < j; k++) {
                    acls.add((Condition.Acl) array[k].condition());
                }
                ExactNameRun run = new ExactNameRun(i, acls);
                for (int k = i; k < j; k++) {
                    runAt[k] = run;
                }
            }
            i = j;
        }
    }

    /**
     * The rule's ACL when a table may stand in for it: a single {@code str} ACL (no
     * {@code unless}, no {@code !}, no AND/OR: those compile to other condition types) on a text
     * fetch whose sample does not change once present; a fetch that may change leaves a
     * non-matching rule undecided, which the table cannot tell.
     */
    private static Condition.Acl indexable(Rule<?> rule) {
        if (rule.condition() instanceof Condition.Acl acl && acl.exactPatterns() != null
                && !acl.exactPatterns().isEmpty()) {
            Fetch fetch = acl.fetch();
            if (fetch.type() == SampleType.STRING && !fetch.mayChange()) {
                return acl;
            }
        }
        return null;
    }

    /** Same fetch instance (one sample serves the run) and the same sniffer bits (one answer when it is missing). */
    private static boolean sameRun(Condition.Acl head, Condition.Acl next) {
        return next != null && next.fetch() == head.fetch() && next.snifferMask() == head.snifferMask();
    }

    public int size() {
        return rules.length;
    }

    public Rule<T> get(int index) {
        return rules[index];
    }

    public T target(int index) {
        return rules[index].target();
    }

    /** For display: the rules in order. */
    public List<Rule<T>> asList() {
        return List.of(rules);
    }

    /** How many rules are looked up through a table rather than evaluated one by one. */
    public int indexedRules() {
        int n = 0;
        for (ExactNameRun run : runAt) {
            if (run != null) {
                n++;
            }
        }
        return n;
    }

    /**
     * Event loop, allocation-free: the index of the first rule at {@code from} or later whose
     * condition is true; {@link #WAIT} when a rule before it is undecided; {@link #NONE} when
     * none is true. A caller that cannot use the rule found (its server is down) asks again from
     * the next index, which resumes the scan after that rule.
     */
    public int first(Inspection inspection, int from) {
        int i = from;
        while (i < rules.length) {
            ExactNameRun run = runAt[i];
            if (run == null) {
                Tri t = rules[i].condition().eval(inspection);
                if (t == Tri.TRUE) {
                    return i;
                }
                if (t == Tri.UNKNOWN) {
                    return WAIT;
                }
                i++;
            } else {
                int found = run.first(inspection, i);
                if (found != NONE) {
                    return found;
                }
                i = run.end;
            }
        }
        return NONE;
    }

    /** The reference: every rule from {@code from} evaluated in order, no table. Same contract as {@link #first}. */
    public int scan(Inspection inspection, int from) {
        for (int i = from; i < rules.length; i++) {
            Tri t = rules[i].condition().eval(inspection);
            if (t == Tri.TRUE) {
                return i;
            }
            if (t == Tri.UNKNOWN) {
                return WAIT;
            }
        }
        return NONE;
    }
}
