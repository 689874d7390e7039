package io.junction.core.internal.config;

/**
 * An error or a warning about a configuration, with where it stands.
 *
 * @param location {@code file:line}, or the file alone for problems of the whole file
 * @param message what is wrong and, where it helps, what would be right
 * @param severity whether the configuration is rejected for it
 */
public record ConfigProblem(String location, String message, Severity severity) {

    public enum Severity {
        /** The configuration is rejected. */
        ERROR,
        /** The rule waits for a bundle that is not installed; the rest runs. */
        PENDING,
        /** Accepted; the operator should know (a keyword accepted but not applied). */
        WARNING
    }

    public static ConfigProblem error(String location, String message) {
        return new ConfigProblem(location, message, Severity.ERROR);
    }

    @Override
    public String toString() {
        String prefix = switch (severity) {
            case ERROR -> "";
            case PENDING -> "pending: ";
            case WARNING -> "warning: ";
        };
        return location + ": " + prefix + message;
    }
}
