package io.junction.api;

/**
 * A configuration error found at config time. The message says what is wrong and, where it
 * helps, what would be right; the core prefixes {@code file:line: } and collects every error of
 * a file before rejecting it.
 */
public class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
