package io.junction.api;

import java.util.List;

/**
 * A service that compiles HAProxy match methods ({@code str}, {@code beg}, {@code dom},
 * {@code ip}, ...) into {@link Matcher}s. Register it with the service property
 * {@value #METHODS} listing the methods.
 */
public interface MatcherFactory {

    /** Service property (String or String[]): the match methods this service compiles. */
    String METHODS = "junction.match";

    /**
     * Config time: compiles a method against patterns.
     *
     * @param method one of the names listed in {@value #METHODS}
     * @param sampleType the type of the fetch it will be applied to, so that a factory can
     *        reject a combination that cannot match (e.g. {@code dom} on an address)
     * @param patterns the patterns, as written (at least one, except for methods that take
     *        none such as {@code found})
     * @param ignoreCase whether {@code -i} was written
     * @param context where the ACL stands, to resolve pattern files ({@code -f})
     * @throws ConfigException for a pattern that cannot be compiled; say which and why
     */
    Matcher compile(String method, SampleType sampleType, List<String> patterns, boolean ignoreCase,
            ConfigContext context) throws ConfigException;
}
