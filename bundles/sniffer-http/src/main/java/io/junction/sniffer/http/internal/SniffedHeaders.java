package io.junction.sniffer.http.internal;

import io.junction.api.HeaderEditor;
import java.util.Arrays;
import java.util.List;

/**
 * The header fields of a request head read by the sniffer from a TCP connection's first bytes:
 * read-only, because those bytes go to the backend untouched (header actions need
 * {@code mode http}). Names were lower-cased by the parser and are compared case-insensitively
 * (RFC 9110 section 5.1); values are Strings copied out of the buffer, OWS trimmed, in the order
 * the client sent them.
 *
 * <p>Immutable, so safe to read from any thread, though the SPI calls it on the event loop only.
 */
final class SniffedHeaders implements HeaderEditor {

    private static final String READ_ONLY = "the header fields of a TCP connection's first request are "
            + "read-only: they were sniffed from bytes forwarded to the server untouched (header actions "
            + "need mode http)";

    private final String[] names;  // lower-case
    private final String[] values;

    /** Event loop (the parser): takes the arrays over; {@code names} must be lower-case. */
    SniffedHeaders(String[] names, String[] values) {
        if (names.length != values.length) {
            throw new IllegalArgumentException(names.length + " names, " + values.length + " values");
        }
        this.names = names;
        this.values = values;
    }

    /** Any thread: how many field lines the head had. */
    int size() {
        return names.length;
    }

    /** Whether {@code lower} (lower-case) equals {@code name} ignoring ASCII case. Allocates nothing. */
    private static boolean sameName(String lower, CharSequence name) {
        int n = lower.length();
        if (name.length() != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Any thread: the first value of a field, or null. Does not block or allocate. */
    @Override
    public String get(CharSequence name) {
        for (int i = 0; i < names.length; i++) {
            if (sameName(names[i], name)) {
                return values[i];
            }
        }
        return null;
    }

    /**
     * Any thread: every value of a field (one per field line) in order, as an unmodifiable list;
     * the shared empty list when absent. Allocates the list when the field is present.
     */
    @Override
    public List<String> getAll(CharSequence name) {
        int count = 0;
        int last = -1;
        for (int i = 0; i < names.length; i++) {
            if (sameName(names[i], name)) {
                count++;
                last = i;
            }
        }
        if (count == 0) {
            return List.of();
        }
        if (count == 1) {
            return List.of(values[last]);
        }
        String[] all = new String[count];
        for (int i = 0, k = 0; k < count; i++) {
            if (sameName(names[i], name)) {
                all[k++] = values[i];
            }
        }
        return List.of(all);
    }

    /** Always throws: sniffed headers are read-only. */
    @Override
    public void set(CharSequence name, CharSequence value) {
        throw new UnsupportedOperationException(READ_ONLY);
    }

    /** Always throws: sniffed headers are read-only. */
    @Override
    public void add(CharSequence name, CharSequence value) {
        throw new UnsupportedOperationException(READ_ONLY);
    }

    /** Always throws: sniffed headers are read-only. */
    @Override
    public void remove(CharSequence name) {
        throw new UnsupportedOperationException(READ_ONLY);
    }

    /**
     * Any thread: for logs and the shell. Names only: values may carry credentials (Authorization,
     * Cookie) that must not reach a log.
     */
    @Override
    public String toString() {
        return "SniffedHeaders" + Arrays.toString(names);
    }
}
