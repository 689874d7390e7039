package io.junction.core.internal.route;

/**
 * Three-valued result of a condition while a connection is being inspected: a fetch whose
 * sniffer has not finished yet is {@link #UNKNOWN}, and the rule waits (HAProxy's "may change"
 * samples during {@code tcp-request inspect-delay}).
 */
public enum Tri {
    TRUE, FALSE, UNKNOWN;

    public Tri not() {
        return this == TRUE ? FALSE : this == FALSE ? TRUE : UNKNOWN;
    }

    public static Tri of(boolean value) {
        return value ? TRUE : FALSE;
    }
}
