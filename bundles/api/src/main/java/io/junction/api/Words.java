package io.junction.api;

/**
 * The words that follow a keyword on a configuration line, for options that take a variable
 * number of arguments ({@code source ADDR usesrc client}). An option consumes only the words
 * that belong to it and leaves the rest for the next option. Config time only.
 */
public interface Words {

    /** Whether another word follows on this line. */
    boolean hasNext();

    /** The next word without consuming it, or {@code null} at the end of the line. */
    String peek();

    /**
     * Consumes the next word.
     *
     * @param what what the word should be, for the error message ("a CA file")
     * @throws ConfigException when the line ends here
     */
    String next(String what) throws ConfigException;
}
