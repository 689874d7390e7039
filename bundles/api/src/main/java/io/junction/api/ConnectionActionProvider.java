package io.junction.api;

/**
 * A service that serves actions of {@code tcp-request connection} rules other than the core's
 * own {@code accept} and {@code reject}. Register it with {@value #KEYWORDS}.
 */
public interface ConnectionActionProvider {

    /** Service property (String or String[]): the actions this service parses, e.g. {@code expect-proxy}. */
    String KEYWORDS = "junction.connection.action";

    /**
     * Config time: parses one action and the words that belong to it (for
     * {@code expect-proxy layer4}, the word {@code layer4}); the condition after them is the
     * core's.
     *
     * @throws ConfigException for missing or wrong arguments
     */
    ConnectionAction parse(String keyword, Words args, ConfigContext context) throws ConfigException;
}
