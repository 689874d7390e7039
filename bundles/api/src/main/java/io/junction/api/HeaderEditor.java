package io.junction.api;

/**
 * The headers of one HTTP request or response, as {@code http-request} actions see them,
 * whatever codec holds them. Names are case-insensitive (RFC 9110 section 5.1). Event loop only.
 */
public interface HeaderEditor {

    /** The first value of a header, or null. */
    String get(CharSequence name);

    /** Every value of a header in order (empty when absent). Allocates: for rules, not per byte. */
    java.util.List<String> getAll(CharSequence name);

    /** Replaces every value of a header with one value. */
    void set(CharSequence name, CharSequence value);

    /** Adds a value, keeping the existing ones. */
    void add(CharSequence name, CharSequence value);

    /** Removes every value of a header. */
    void remove(CharSequence name);
}
