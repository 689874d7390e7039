package io.junction.api;

/**
 * A service that serves {@code server} line keywords. Register it with {@value #KEYWORDS}.
 * The core itself handles the routing keywords ({@code weight}, {@code check}, ...).
 */
public interface ServerOptionProvider {

    /** Service property (String or String[]): the server keywords this service parses. */
    String KEYWORDS = "junction.server.option";

    /**
     * Config time: parses one keyword and the words that belong to it.
     *
     * @param keyword one of the names listed in {@value #KEYWORDS}
     * @param args the words after the keyword; consume only your own
     * @throws ConfigException for missing or wrong arguments, or for a feature this host
     *         cannot provide (say which privilege or transport is missing)
     */
    ServerOption parse(String keyword, Words args, ConfigContext context) throws ConfigException;
}
