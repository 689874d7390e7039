package io.junction.matcher.text.internal;

import io.junction.api.Matcher;
import java.util.List;

/**
 * {@code -m found}: the fetch returned a value, whatever it is and whatever the sample type
 * (the core never calls a matcher with a missing sample). A multi-valued fetch that returned an
 * empty list found no occurrence, as in HAProxy, where such a fetch fails, so it does not match.
 */
final class FoundMatcher implements Matcher {
    static final FoundMatcher INSTANCE = new FoundMatcher();

    private FoundMatcher() {
    }

    /** Event loop; allocation-free. */
    @Override
    public boolean matches(Object sample) {
        return sample != null && !(sample instanceof List && ((List<?>) sample).isEmpty());
    }

    @Override
    public String toString() {
        return "-m found";
    }
}
