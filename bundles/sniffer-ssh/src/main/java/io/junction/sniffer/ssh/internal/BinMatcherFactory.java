package io.junction.sniffer.ssh.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Matcher;
import io.junction.api.MatcherFactory;
import io.junction.api.SampleType;
import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code bin} match method, the default for BINARY samples ({@code req.payload}). HAProxy
 * configuration manual, "Matching arbitrary data blocks" (section 7.1.6 in the 2.x manuals):
 * "the patterns must be passed as a series of hexadecimal digits in an even number, when the
 * match method is set to binary. Each sequence of two digits will represent a byte. The
 * hexadecimal digits may be used upper or lower case." The sample matches when its bytes equal a
 * pattern exactly: {@code payload(0,7) -m bin 5353482d322e30} is "SSH-2.0".
 *
 * <p>It lives in this bundle because {@code req.payload} is its main user (the core's keyword
 * catalog says so); it applies to BINARY and STRING samples (a string compared one char per
 * byte). On INTEGER, BOOLEAN and ADDRESS samples it is a config error naming the method meant for
 * them. {@code -i} is accepted and has no effect, as in HAProxy, where {@code pat_match_bin}
 * never folds case; a warning says so, since a user who wrote it expected something.
 */
@Component(name = BinMatcherFactory.NAME, service = MatcherFactory.class, property = MatcherFactory.METHODS + "=bin")
public final class BinMatcherFactory implements MatcherFactory {

    /** DS component name. */
    public static final String NAME = "io.junction.sniffer.ssh.bin";

    private static final Logger LOG = LoggerFactory.getLogger(BinMatcherFactory.class);

    /** DS (SCR's thread) and tests. */
    public BinMatcherFactory() {
    }

    /**
     * Config time; may allocate freely, does not block. Decodes the hex patterns into bytes once.
     * The returned matcher is immutable, shared by every event loop and allocation-free per match.
     *
     * @throws ConfigException for a method other than {@code bin}, a sample type that is not
     *         BINARY or STRING, no pattern, or a pattern that is not an even number of hex digits
     *         (the message names the pattern and the offending position)
     */
    @Override
    public Matcher compile(String method, SampleType sampleType, List<String> patterns, boolean ignoreCase,
            ConfigContext context) throws ConfigException {
        if (!"bin".equals(method)) {
            throw new ConfigException("-m " + method + ": not served by this bundle (it serves -m bin)");
        }
        if (sampleType != SampleType.BINARY && sampleType != SampleType.STRING) {
            throw new ConfigException("-m bin compares bytes, but this fetch yields " + typeName(sampleType)
                    + " samples: use -m " + sampleType.defaultMethod() + " (the default for such fetches)");
        }
        if (patterns == null || patterns.isEmpty()) {
            throw new ConfigException("-m bin needs at least one pattern: hex digits, e.g. 5353482d for \"SSH-\"");
        }
        if (ignoreCase) {
            LOG.warn("{}: -i has no effect on -m bin: bytes are compared exactly, as in HAProxy",
                    context == null ? "?" : context.location());
        }
        byte[][] decoded = new byte[patterns.size()][];
        for (int i = 0; i < decoded.length; i++) {
            decoded[i] = hex(patterns.get(i));
        }
        return new BinMatcher(decoded);
    }

    /** Config time: {@code 5353482d} to its bytes; upper or lower case digits. */
    static byte[] hex(String pattern) throws ConfigException {
        int n = pattern.length();
        if (n == 0) {
            throw new ConfigException("-m bin: empty pattern; write hex digits, e.g. 5353482d for \"SSH-\"");
        }
        if (n % 2 != 0) {
            throw new ConfigException("-m bin: pattern '" + pattern + "' has an odd number of hex digits (" + n
                    + "); each byte takes two, e.g. 0a not a");
        }
        byte[] out = new byte[n / 2];
        for (int i = 0; i < n; i += 2) {
            int hi = Character.digit(pattern.charAt(i), 16);
            int lo = Character.digit(pattern.charAt(i + 1), 16);
            if (hi < 0 || lo < 0 || pattern.charAt(i) > 0x7F || pattern.charAt(i + 1) > 0x7F) {
                int bad = hi < 0 || pattern.charAt(i) > 0x7F ? i : i + 1;
                throw new ConfigException("-m bin: pattern '" + pattern + "' has '" + pattern.charAt(bad)
                        + "' at position " + (bad + 1) + ", not a hex digit (0-9, a-f, A-F)");
            }
            out[i / 2] = (byte) ((hi << 4) | lo);
        }
        return out;
    }

    private static String typeName(SampleType t) {
        switch (t) {
            case INTEGER:
                return "integer";
            case BOOLEAN:
                return "boolean";
            case ADDRESS:
                return "IP address";
            default:
                return t.name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
