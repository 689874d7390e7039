package io.junction.core.internal.route;

import io.junction.api.Fetch;
import io.junction.api.Matcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run of consecutive switching rules whose conditions are each one ACL {@code FETCH [-i]
 * NAME...} with the {@code str} method, no negation and the same {@link Fetch} instance, looked
 * up through an immutable open-addressing table built at compile time: name to the rules that
 * carry it, in rule order. Deciding costs one {@code fetch.sample()}, one hash of the sample and
 * one or two comparisons, whatever the number of rules, and allocates nothing (docs/benchmarks.md,
 * "Route lookup with 10,000 rules"). Immutable; read on every event loop.
 *
 * <p><b>Why the answer is the in-order scan's.</b> The table is only a filter: a rule it yields
 * is confirmed by that rule's own {@link Matcher#matches}, so the table can never make a rule
 * match that its matcher refuses. It must never hide a rule that would match, so its key folds at
 * least as coarsely as any {@code str} matcher compares: each char is mapped through
 * {@link #fold}, which identifies every pair of chars that identity, HAProxy's ASCII {@code -i}
 * (matcher-text's {@code ExactMatcher}) or Java's {@code equalsIgnoreCase} identify. That is why
 * case-sensitive and {@code -i} rules share one table and may interleave in a run: a
 * case-sensitive rule listed under a sample's folded name is simply refused by its matcher. The
 * rest of an ACL's evaluation ({@link Condition.Acl#eval}) depends only on the fetch and the
 * sniffer mask, which all rules of a run share: a missing sample is undecided for every rule
 * while a sniffer may still produce it and false for every rule after, and a present sample of a
 * fetch that cannot change makes each rule exactly "its matcher matches". Fetches whose sample
 * may change are never indexed ({@link RuleList}). A sample that is not a {@link CharSequence}
 * (a list from a multi-valued fetch) is evaluated rule by rule, as before.
 */
final class ExactNameRun {
    /** The first rule of the run (index into the rule list) and one past its last. */
    final int start;
    final int end;
    private final Fetch fetch;
    private final long snifferMask;
    /** Each rule's condition and matcher, by rule index - start. */
    private final Condition[] conditions;
    private final Matcher[] matchers;
    /** Power-of-two table of folded names; holes are null. Load factor at most 1/2. */
    private final String[] keys;
    private final int[] hashes;
    /** The rules carrying keys[i] are ruleIds[from[i]] to ruleIds[to[i] - 1], ascending. */
    private final int[] from;
    private final int[] to;
    private final int[] ruleIds;

    /**
     * Config time.
     *
     * @param start index of {@code acls[0]}'s rule in the rule list
     * @param acls the run's conditions in rule order, each with {@link Condition.Acl#exactPatterns},
     *        all with the same fetch and sniffer mask
     */
    ExactNameRun(int start, List<Condition.Acl> acls) {
        this.start = start;
        this.end = start + acls.size();
        this.fetch = acls.get(0).fetch();
        this.snifferMask = acls.get(0).snifferMask();
        this.conditions = acls.toArray(new Condition[0]);
        this.matchers = new Matcher[acls.size()];
        // Insertion order is rule order, so each name's list of rules comes out ascending.
        Map<String, List<Integer>> byName = new LinkedHashMap<>();
        for (int r = 0; r < acls.size(); r++) {
            Condition.Acl acl = acls.get(r);
            if (acl.fetch() != fetch || acl.snifferMask() != snifferMask) {
                throw new IllegalArgumentException("a run shares one fetch: " + acl);
            }
            matchers[r] = acl.matcher();
            for (String pattern : acl.exactPatterns()) {
                List<Integer> rules = byName.computeIfAbsent(fold(pattern), k -> new ArrayList<>());
                int rule = start + r;
                if (rules.isEmpty() || rules.get(rules.size() - 1) != rule) { // -i a A: one entry
                    rules.add(rule);
                }
            }
        }
        int size = Integer.highestOneBit(Math.max(1, byName.size() * 2 - 1)) << 1;
        keys = new String[size];
        hashes = new int[size];
        from = new int[size];
        to = new int[size];
        int total = 0;
        for (List<Integer> rules : byName.values()) {
            total += rules.size();
        }
        ruleIds = new int[total];
        int next = 0;
        for (Map.Entry<String, List<Integer>> e : byName.entrySet()) {
            String key = e.getKey();
            int h = hashFolded(key);
            int i = h & (size - 1);
            while (keys[i] != null) { // keys are distinct: byName is a map
                i = (i + 1) & (size - 1);
            }
            keys[i] = key;
            hashes[i] = h;
            from[i] = next;
            for (int rule : e.getValue()) {
                ruleIds[next++] = rule;
            }
            to[i] = next;
        }
    }

    /**
     * Event loop, allocation-free: the first rule at index {@code at} or later in this run whose
     * condition is true, {@link RuleList#WAIT} when the first one evaluated would be undecided,
     * else {@link RuleList#NONE}: exactly what evaluating the rules {@code at} to {@code end - 1}
     * in order would give.
     */
    int first(Inspection inspection, int at) {
        Object sample = fetch.sample(inspection.facts());
        if (sample == null) {
            // Condition.Acl.eval of every rule here: undecided while the sniffer may still run.
            return (inspection.activeSniffers() & snifferMask) != 0 && !inspection.ended() ? RuleList.WAIT : RuleList.NONE;
        }
        if (!(sample instanceof CharSequence name)) {
            return scan(inspection, at);
        }
        int h = hash(name);
        int mask = keys.length - 1;
        for (int i = h & mask; keys[i] != null; i = (i + 1) & mask) {
            if (hashes[i] == h && sameFolded(name, keys[i])) {
                for (int k = from[i]; k < to[i]; k++) {
                    int rule = ruleIds[k];
                    if (rule >= at && matchers[rule - start].matches(sample)) {
                        return rule;
                    }
                }
                return RuleList.NONE;
            }
        }
        return RuleList.NONE;
    }

    /** The rules one by one, for samples the table cannot key. */
    private int scan(Inspection inspection, int at) {
        for (int rule = at; rule < end; rule++) {
            Tri t = conditions[rule - start].eval(inspection);
            if (t == Tri.TRUE) {
                return rule;
            }
            if (t == Tri.UNKNOWN) {
                return RuleList.WAIT;
            }
        }
        return RuleList.NONE;
    }

    /**
     * Any thread: the char a name is keyed by. ASCII letters fold to lower case (HAProxy's
     * {@code -i}, C's {@code tolower}); other chars as {@code String.regionMatches(true, ...)}
     * compares them (upper, then lower case), so that a matcher comparing that way is covered too.
     * Coarser than any of them is harmless: the matcher confirms.
     */
    static char fold(char c) {
        if (c < 0x80) {
            return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
        }
        return Character.toLowerCase(Character.toUpperCase(c));
    }

    /** Config time: {@code s} with every char folded. */
    static String fold(String s) {
        char[] out = new char[s.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = fold(s.charAt(i));
        }
        return new String(out);
    }

    /** Event loop, allocation-free: the hash of {@code s} folded char by char. */
    static int hash(CharSequence s) {
        int h = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            h = 31 * h + fold(s.charAt(i));
        }
        return mix(h);
    }

    /** Config time: the hash of an already folded key; equals {@link #hash} of any name folding to it. */
    private static int hashFolded(String key) {
        int h = 0;
        for (int i = 0; i < key.length(); i++) {
            h = 31 * h + key.charAt(i);
        }
        return mix(h);
    }

    /**
     * Names of one family differ in a few chars in the middle ("host17.example.com"); the
     * finalizer of MurmurHash3 spreads that into the low bits that index the table.
     */
    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    private static boolean sameFolded(CharSequence s, String key) {
        int n = key.length();
        if (s.length() != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (fold(s.charAt(i)) != key.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** For tests: the number of distinct folded names in the table. */
    int names() {
        int n = 0;
        for (String k : keys) {
            if (k != null) {
                n++;
            }
        }
        return n;
    }
}
