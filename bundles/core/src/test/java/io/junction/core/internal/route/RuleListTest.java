package io.junction.core.internal.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.FactKey;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.Matcher;
import io.junction.api.SampleType;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link RuleList}: the exact-name tables give the answers of evaluating every rule in order.
 * A differential test over generated rule lists, then the cases the design names one by one.
 */
class RuleListTest {

    /** A connection under inspection whose sample is set by hand (any object, or null). */
    static final class Conn implements Inspection, Facts {
        Object sample;
        long active;
        boolean ended;

        @Override
        public Facts facts() {
            return this;
        }

        @Override
        public long activeSniffers() {
            return active;
        }

        @Override
        public boolean ended() {
            return ended;
        }

        @Override
        public InetSocketAddress source() {
            return null;
        }

        @Override
        public InetSocketAddress destination() {
            return null;
        }

        @Override
        public void overrideAddresses(InetSocketAddress source, InetSocketAddress destination) {
        }

        @Override
        public boolean tlsTerminated() {
            return false;
        }

        @Override
        public boolean inspectionEnded() {
            return ended;
        }

        @Override
        public <T> T get(FactKey<T> key) {
            return null;
        }

        @Override
        public <T> void put(FactKey<T> key, T value) {
        }
    }

    /** A text fetch returning the connection's sample; several instances behave alike. */
    static final class SampleFetch implements Fetch {
        private final boolean mayChange;

        SampleFetch(boolean mayChange) {
            this.mayChange = mayChange;
        }

        @Override
        public SampleType type() {
            return SampleType.STRING;
        }

        @Override
        public Object sample(Facts facts) {
            return ((Conn) facts).sample;
        }

        @Override
        public boolean mayChange() {
            return mayChange;
        }
    }

    static final Fetch SNI = new SampleFetch(false);
    static final Fetch SNI_AGAIN = new SampleFetch(false);
    static final Fetch GROWING = new SampleFetch(true);

    /**
     * HAProxy's {@code str} as matcher-text implements it: equality, {@code -i} folding ASCII
     * letters only; a list sample matches when an element does. Allocation-free.
     */
    static Matcher str(boolean ignoreCase, List<String> patterns) {
        String[] p = patterns.toArray(new String[0]);
        return new Matcher() {
            @Override
            public boolean matches(Object sample) {
                if (sample instanceof List<?> list) {
                    for (Object o : list) {
                        if (matches(o)) {
                            return true;
                        }
                    }
                    return false;
                }
                CharSequence s = (CharSequence) sample;
                for (String x : p) {
                    if (equal(s, x, ignoreCase)) {
                        return true;
                    }
                }
                return false;
            }
        };
    }

    private static boolean equal(CharSequence s, String p, boolean ignoreCase) {
        if (s.length() != p.length()) {
            return false;
        }
        for (int i = 0; i < p.length(); i++) {
            char a = s.charAt(i);
            char b = p.charAt(i);
            if (ignoreCase) {
                a = a >= 'A' && a <= 'Z' ? (char) (a + 32) : a;
                b = b >= 'A' && b <= 'Z' ? (char) (b + 32) : b;
            }
            if (a != b) {
                return false;
            }
        }
        return true;
    }

    /** A {@code str} implementation that compares as {@link String#equalsIgnoreCase} (Unicode letters too). */
    static Matcher javaIgnoreCase(List<String> patterns) {
        return sample -> {
            if (!(sample instanceof CharSequence s)) {
                return false;
            }
            for (String p : patterns) {
                if (p.equalsIgnoreCase(s.toString())) {
                    return true;
                }
            }
            return false;
        };
    }

    static Condition.Acl exact(Fetch fetch, boolean ignoreCase, long mask, String... names) {
        List<String> p = List.of(names);
        return new Condition.Acl("str " + p, fetch, str(ignoreCase, p), mask, p);
    }

    static Rule<Integer> rule(int target, Condition c) {
        return new Rule<>(target, c, "test:" + target);
    }

    /** The target indices a caller skipping {@code down} rules would visit, ending in NONE or WAIT. */
    private static List<Integer> visit(RuleList<Integer> list, Conn conn, Set<Integer> down, boolean indexed) {
        List<Integer> seen = new ArrayList<>();
        int i = indexed ? list.first(conn, 0) : list.scan(conn, 0);
        while (true) {
            seen.add(i);
            if (i < 0 || !down.contains(i)) {
                return seen;
            }
            i = indexed ? list.first(conn, i + 1) : list.scan(conn, i + 1);
        }
    }

    // ------------------------------------------------------------------ differential

    private static final String[] NAMES = {
        "app1.example.com", "app2.example.com", "app10.example.com", "x", "", "a.b", "straße.example",
        "ıi.example", "kelvin.example", "İstanbul.example", "ünïcode.example",
    };

    /** A name from the pool, each letter's case flipped at random, sometimes with a Unicode variant. */
    private static String variant(Random rnd, String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            int pick = rnd.nextInt(5);
            if (pick == 0) {
                c = Character.toUpperCase(c);
            } else if (pick == 1) {
                c = Character.toLowerCase(c);
            } else if (pick == 2 && c == 'k') {
                c = '\u212A'; // KELVIN SIGN: equalsIgnoreCase to k, not ASCII-folded
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static Condition randomCondition(Random rnd) {
        String name = variant(rnd, NAMES[rnd.nextInt(NAMES.length)]);
        boolean ignoreCase = rnd.nextBoolean();
        int shape = rnd.nextInt(20);
        return switch (shape) {
            case 0 -> exact(SNI_AGAIN, ignoreCase, 1, name); // another instance of the same fetch: ends a run
            case 1 -> exact(GROWING, ignoreCase, 1, name); // may change: never indexed
            case 2 -> exact(SNI, ignoreCase, 2, name); // other sniffer bits: ends a run
            case 3 -> new Condition.Not(exact(SNI, ignoreCase, 1, name));
            case 4 -> new Condition.And(new Condition[] {exact(SNI, ignoreCase, 1, name), Condition.TRUE});
            case 5 -> Condition.WAIT_END;
            case 6 -> Condition.FALSE;
            case 7 -> new Condition.Acl("beg", SNI, sample -> sample instanceof CharSequence s && !name.isEmpty()
                    && s.length() > 0 && s.charAt(0) == name.charAt(0), 1); // not str: no patterns
            case 8 -> {
                List<String> p = List.of(name, variant(rnd, NAMES[rnd.nextInt(NAMES.length)]));
                yield new Condition.Acl("str -i (Java)", SNI, javaIgnoreCase(p), 1, p);
            }
            case 9 -> exact(SNI, ignoreCase, 1, name, variant(rnd, NAMES[rnd.nextInt(NAMES.length)]),
                    variant(rnd, name)); // several names, maybe twice the same
            default -> exact(SNI, ignoreCase, 1, name);
        };
    }

    private static Object randomSample(Random rnd) {
        return switch (rnd.nextInt(10)) {
            case 0 -> null;
            case 1 -> "nowhere.example";
            case 2 -> List.of(variant(rnd, NAMES[rnd.nextInt(NAMES.length)]), "h2"); // multi-valued fetch
            case 3 -> new StringBuilder(variant(rnd, NAMES[rnd.nextInt(NAMES.length)])); // not a String
            default -> variant(rnd, NAMES[rnd.nextInt(NAMES.length)]);
        };
    }

    @Test
    void indexedLookupAgreesWithTheScanOnGeneratedRules() {
        Random rnd = new Random(20261127L);
        int indexed = 0;
        int compared = 0;
        for (int config = 0; config < 3000; config++) {
            int n = rnd.nextInt(config % 10 == 0 ? 400 : 40);
            List<Rule<Integer>> rules = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                rules.add(rule(i, randomCondition(rnd)));
            }
            int minRun = 1 + rnd.nextInt(RuleList.MIN_RUN + 1);
            RuleList<Integer> list = new RuleList<>(rules, minRun);
            indexed += list.indexedRules();
            for (int c = 0; c < 100; c++) {
                Conn conn = new Conn();
                conn.sample = randomSample(rnd);
                conn.active = rnd.nextInt(4);
                conn.ended = rnd.nextInt(4) == 0;
                Set<Integer> down = new HashSet<>();
                for (int d = rnd.nextInt(4); d > 0 && n > 0; d--) {
                    down.add(rnd.nextInt(n));
                }
                // Down servers are usually the ones that match: take them from the scan's answers.
                if (rnd.nextBoolean()) {
                    for (int i = list.scan(conn, 0); i >= 0 && rnd.nextInt(3) > 0; i = list.scan(conn, i + 1)) {
                        down.add(i);
                    }
                }
                List<Integer> expected = visit(list, conn, down, false);
                List<Integer> actual = visit(list, conn, down, true);
                assertEquals(expected, actual, () -> "rules " + rules + ", sample " + conn.sample + ", active "
                        + conn.active + ", ended " + conn.ended + ", down " + down);
                compared++;
            }
        }
        assertTrue(indexed > 10_000, "the generator produced indexed runs: " + indexed);
        assertTrue(compared == 300_000);
    }

    // ------------------------------------------------------------------ targeted cases

    private static RuleList<Integer> list(Condition... conditions) {
        List<Rule<Integer>> rules = new ArrayList<>();
        for (int i = 0; i < conditions.length; i++) {
            rules.add(rule(i, conditions[i]));
        }
        return new RuleList<>(rules, 1);
    }

    private static Conn conn(Object sample) {
        Conn c = new Conn();
        c.sample = sample;
        return c;
    }

    @Test
    void theFirstRuleNamingTheSampleWinsAndADownServerResumesAfterIt() {
        RuleList<Integer> l = list(exact(SNI, true, 1, "a"), exact(SNI, true, 1, "dup"), exact(SNI, true, 1, "b"),
                exact(SNI, true, 1, "dup"), exact(SNI, true, 1, "DUP"));
        assertEquals(5, l.indexedRules());
        assertEquals(List.of(1), visit(l, conn("dup"), Set.of(), true));
        assertEquals(List.of(1, 3), visit(l, conn("Dup"), Set.of(1), true));
        assertEquals(List.of(1, 3, 4), visit(l, conn("dup"), Set.of(1, 3), true));
        assertEquals(List.of(1, 3, 4, RuleList.NONE), visit(l, conn("dup"), Set.of(1, 3, 4), true));
        assertEquals(List.of(RuleList.NONE), visit(l, conn("c"), Set.of(), true));
    }

    @Test
    void caseSensitiveAndIgnoreCaseRulesInterleave() {
        RuleList<Integer> l = list(exact(SNI, false, 1, "App.example.com"), exact(SNI, true, 1, "app.example.com"),
                exact(SNI, false, 1, "app.example.com"), exact(SNI, false, 1, "APP.EXAMPLE.COM"));
        assertEquals(4, l.indexedRules());
        assertEquals(0, l.first(conn("App.example.com"), 0));
        assertEquals(1, l.first(conn("app.example.com"), 0));
        assertEquals(1, l.first(conn("APP.EXAMPLE.COM"), 0));
        assertEquals(2, l.first(conn("app.example.com"), 2));
        assertEquals(3, l.first(conn("APP.EXAMPLE.COM"), 2));
        assertEquals(RuleList.NONE, l.first(conn("aPP.example.com"), 2));
        assertEquals(RuleList.NONE, l.first(conn("App.example.com"), 2));
    }

    @Test
    void aMissingSampleWaitsWhileTheSnifferRunsAndIsFalseAfter() {
        RuleList<Integer> l = list(exact(SNI, true, 1, "a"), exact(SNI, true, 1, "b"), Condition.TRUE);
        Conn c = conn(null);
        c.active = 1;
        assertEquals(RuleList.WAIT, l.first(c, 0));
        c.active = 2; // another sniffer runs; not the one that fills this fetch
        assertEquals(2, l.first(c, 0));
        c.active = 1;
        c.ended = true;
        assertEquals(2, l.first(c, 0));
    }

    @Test
    void rulesOfOtherShapesAreEvaluatedInOrderBetweenRuns() {
        Condition.Acl a = exact(SNI, true, 1, "a");
        RuleList<Integer> l = new RuleList<>(List.of(rule(0, a), rule(1, exact(SNI, true, 1, "b")),
                rule(2, exact(SNI, true, 1, "c")), rule(3, exact(SNI, true, 1, "d")),
                rule(4, new Condition.Not(exact(SNI, true, 1, "x"))), // unless / !
                rule(5, exact(SNI, true, 1, "a")), rule(6, exact(SNI, true, 1, "e")), rule(7, exact(SNI, true, 1, "f")),
                rule(8, exact(SNI, true, 1, "g")), rule(9, exact(GROWING, true, 1, "a")), rule(10, exact(SNI, true, 1, "h"))));
        assertEquals(8, l.indexedRules(), "two runs of four; the negation, the may-change fetch and the short tail are scanned");
        assertEquals(0, l.first(conn("a"), 0));
        assertEquals(4, l.first(conn("a"), 1));
        assertEquals(4, l.first(conn("zz"), 0));
        assertEquals(5, l.first(conn("a"), 5));
        assertEquals(RuleList.NONE, l.first(conn("x"), 0));
        assertEquals(4, l.first(conn("H"), 0), "the negation is true before h is reached");
        assertEquals(10, l.first(conn("H"), 5));
    }

    @Test
    void aListSampleIsEvaluatedRuleByRule() {
        RuleList<Integer> l = list(exact(SNI, true, 1, "h2"), exact(SNI, true, 1, "http/1.1"));
        assertEquals(1, l.first(conn(List.of("spdy", "HTTP/1.1")), 0));
        assertEquals(0, l.first(conn(List.of("http/1.1", "h2")), 0));
    }

    @Test
    void aLookupAllocatesNothing() {
        List<Rule<Integer>> rules = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            rules.add(rule(i, exact(SNI, true, 1, "host" + i + ".example.com")));
        }
        RuleList<Integer> l = new RuleList<>(rules);
        assertEquals(10_000, l.indexedRules());
        Conn hit = conn(new StringBuilder("HOST9999.example.com"));
        Conn miss = conn("nowhere.example.com");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (int i = 0; i < 20_000; i++) { // warm up, and let the MXBean load what it needs
            sum += l.first(hit, 0) + l.first(miss, 0);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            sum += l.first(hit, 0) + l.first(miss, 0);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(120_000L * (9999 - 1), sum);
        assertTrue(allocated < 1_000, "allocated " + allocated + " bytes for 200,000 lookups");
    }
}
