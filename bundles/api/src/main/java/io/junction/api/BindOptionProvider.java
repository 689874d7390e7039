package io.junction.api;

/**
 * A service that serves {@code bind} line keywords. Register it with {@value #KEYWORDS}.
 */
public interface BindOptionProvider {

    /** Service property (String or String[]): the bind keywords this service parses. */
    String KEYWORDS = "junction.bind.option";

    /**
     * Config time: parses one keyword and the words that belong to it.
     *
     * @throws ConfigException for missing or wrong arguments, or an unreadable file
     */
    BindOption parse(String keyword, Words args, ConfigContext context) throws ConfigException;
}
