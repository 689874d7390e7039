package io.junction.api;

/**
 * A service that serves {@code http-request} actions ({@code set-header}, {@code add-header},
 * {@code del-header}, {@code deny}). Register with {@value #KEYWORDS}.
 */
public interface HttpActionProvider {

    /** Service property (String or String[]): the {@code http-request} actions this service parses. */
    String KEYWORDS = "junction.http.action";

    /**
     * Config time: parses one action and its own words (the condition after them is the
     * core's). A value may be a log-format expression: compile fetches with
     * {@link ConfigContext#fetch}.
     *
     * @throws ConfigException for missing or wrong arguments
     */
    HttpAction parse(String keyword, Words args, ConfigContext context) throws ConfigException;
}
