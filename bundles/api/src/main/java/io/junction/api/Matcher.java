package io.junction.api;

/**
 * A compiled match: one match method with its patterns and flags bound, e.g. {@code -m dom -i
 * app1.example.com}. Compiled once at config time by a {@link MatcherFactory}.
 */
@FunctionalInterface
public interface Matcher {

    /**
     * Event loop: whether {@code sample} matches any of the patterns. The sample's Java type
     * follows its {@link SampleType}; a {@link java.util.List} sample matches when any element
     * does. Must not block and must not allocate (precompute at compile time: lower-cased
     * patterns, CIDR masks, compiled regular expressions).
     *
     * @param sample never {@code null} (the core treats a missing sample as no match)
     */
    boolean matches(Object sample);
}
