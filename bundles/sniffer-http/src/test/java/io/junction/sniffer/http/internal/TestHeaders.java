package io.junction.sniffer.http.internal;

import io.junction.api.HeaderEditor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A hand-made {@link HeaderEditor}, as the HTTP mode's would be (case-insensitive names, values
 * as the codec decoded them, editable): proves that the fetches work on the well-known facts alone,
 * without the sniffer. It records every name it was asked for, so that a test can see what the
 * fetches look up. One thread.
 */
final class TestHeaders implements HeaderEditor {
    private final List<String[]> fields = new ArrayList<>();
    final List<String> asked = new ArrayList<>();

    /** Fields as name, value, name, value... */
    static TestHeaders of(String... nameValues) {
        TestHeaders h = new TestHeaders();
        for (int i = 0; i < nameValues.length; i += 2) {
            h.add(nameValues[i], nameValues[i + 1]);
        }
        return h;
    }

    private static boolean same(String a, CharSequence b) {
        return a.equalsIgnoreCase(b.toString());
    }

    @Override
    public String get(CharSequence name) {
        asked.add(name.toString());
        for (String[] f : fields) {
            if (same(f[0], name)) {
                return f[1];
            }
        }
        return null;
    }

    @Override
    public List<String> getAll(CharSequence name) {
        asked.add(name.toString());
        List<String> out = new ArrayList<>();
        for (String[] f : fields) {
            if (same(f[0], name)) {
                out.add(f[1]);
            }
        }
        return out;
    }

    @Override
    public void set(CharSequence name, CharSequence value) {
        remove(name);
        add(name, value);
    }

    @Override
    public void add(CharSequence name, CharSequence value) {
        fields.add(new String[] {name.toString(), value.toString()});
    }

    @Override
    public void remove(CharSequence name) {
        fields.removeIf(f -> same(f[0], name));
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (String[] f : fields) {
            s.append(f[0].toLowerCase(Locale.ROOT)).append(": ").append(f[1]).append('\n');
        }
        return s.toString();
    }
}
