package io.junction.matcher.text.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.Matcher;
import io.junction.api.SampleType;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a table row cannot show: many patterns, hostile regexes, threads, allocation. */
class MatcherBehaviourTest {

    private static Matcher compile(String method, boolean icase, List<String> patterns) throws Exception {
        return TextMatcherFactoryTest.compile(SampleType.STRING, method, icase, patterns);
    }

    /** More than LINEAR_MAX patterns go through the hash table: every one still matches. */
    @Test
    void manyExactPatternsAllMatchAndNearMissesDoNot() throws Exception {
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            hosts.add("App" + i + ".Example.com");
        }
        Matcher exact = compile("str", false, hosts);
        Matcher folded = compile("str", true, hosts);
        for (int i = 0; i < 500; i++) {
            assertTrue(exact.matches("App" + i + ".Example.com"));
            assertFalse(exact.matches("app" + i + ".example.com"));
            assertTrue(folded.matches("APP" + i + ".EXAMPLE.COM"));
            assertFalse(folded.matches("app" + i + ".example.co"));
            assertFalse(folded.matches("xapp" + i + ".example.com"));
        }
        assertFalse(folded.matches("app500.example.com"));
    }

    /**
     * Catastrophic backtracking gives up within the read budget instead of holding the event
     * loop. Java 9+ memoises plain nested quantifiers such as {@code ^(a+)+$}, but a back
     * reference turns that off: this expression takes seconds on 26 letters and about 2^40
     * steps on 40 without the budget. The timeout only keeps a regression from hanging the build.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void runawayBacktrackingCountsAsNoMatch() throws Exception {
        Matcher m = compile("reg", false, List.of("^(a+)+\\1$", "b$"));
        String hostile = "a".repeat(40) + "!";
        assertFalse(m.matches(hostile));
        // The second expression is still tried, and the thread's state is usable afterwards.
        assertTrue(m.matches("ab"));
        assertTrue(m.matches("aaaa"));
    }

    /** Expressions beyond the per-thread slot table replace each other and stay correct. */
    @Test
    void moreExpressionsThanSlotsStayCorrect() throws Exception {
        List<Matcher> matchers = new ArrayList<>();
        int n = Scratch.REGEX_SLOTS + 50;
        for (int i = 0; i < n; i++) {
            matchers.add(compile("reg", false, List.of("^host" + i + "\\.")));
        }
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < n; i++) {
                assertTrue(matchers.get(i).matches("host" + i + ".example.com"), "expression " + i);
                assertFalse(matchers.get(i).matches("host" + (i + 1) + ".example.com"), "expression " + i);
            }
        }
    }

    /** Shared matchers on several threads at once: per-thread state never crosses threads. */
    @Test
    void sharedMatchersAreThreadSafe() throws Exception {
        Matcher reg = compile("reg", true, List.of("^app[0-9]+\\.example\\.com$"));
        Matcher dom = compile("dom", true, List.of("app1.example.com"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    int wrong = 0;
                    for (int i = 0; i < 20_000; i++) {
                        boolean even = (i + id) % 2 == 0;
                        String s = even ? "APP" + i + ".example.com" : "app" + i + ".example.org";
                        if (reg.matches(s) != even) {
                            wrong++;
                        }
                        if (dom.matches(even ? "www.app1.example.com:443" : "app1.example.community") != even) {
                            wrong++;
                        }
                    }
                    return wrong;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(0, f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The per-match path allocates nothing: after warming up, thousands of matches of every
     * method allocate less than one byte per match on this thread (the bound leaves room for the
     * measurement itself, not for a per-match object, which would be at least 16 bytes each).
     */
    @Test
    void matchingDoesNotAllocate() throws Exception {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean,
                "this JVM cannot count allocated bytes");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
        org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported());
        mx.setThreadAllocatedMemoryEnabled(true);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            many.add("app" + i + ".example.com");
        }
        Matcher[] matchers = {
            compile("str", true, many),
            compile("beg", true, List.of("APP")),
            compile("end", false, List.of(".com")),
            compile("sub", true, List.of("EXAMPLE")),
            compile("dom", true, List.of("app1.example.com")),
            compile("reg", true, List.of("^app[0-9]+\\.EXAMPLE\\.com$")),
            compile("len", false, List.of("ge", "5")),
            compile("found", false, List.of()),
        };
        Object[] samples = {"APP1.example.com", new StringBuilder("www.app1.example.com:443"),
            List.of("h2", "app7.example.com")};
        int rounds = 20_000;
        long sink = run(matchers, samples, rounds); // warm up: JIT, thread-local state
        long id = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(id);
        sink += run(matchers, samples, rounds);
        long allocated = mx.getThreadAllocatedBytes(id) - before;
        long matches = (long) rounds * matchers.length * samples.length;
        assertTrue(sink > 0);
        assertTrue(allocated < matches, allocated + " bytes allocated for " + matches + " matches");
    }

    private static long run(Matcher[] matchers, Object[] samples, int rounds) {
        long hits = 0;
        for (int r = 0; r < rounds; r++) {
            for (Matcher m : matchers) {
                for (Object s : samples) {
                    if (m.matches(s)) {
                        hits++;
                    }
                }
            }
        }
        return hits;
    }
}
