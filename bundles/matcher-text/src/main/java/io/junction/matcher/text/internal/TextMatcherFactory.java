package io.junction.matcher.text.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Matcher;
import io.junction.api.MatcherFactory;
import io.junction.api.SampleType;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.osgi.service.component.annotations.Component;

/**
 * HAProxy's string match methods (configuration manual 7.1.3 "Matching strings"):
 * <ul>
 *   <li>{@code str}: the sample equals a pattern;</li>
 *   <li>{@code beg} / {@code end}: the sample starts / ends with a pattern;</li>
 *   <li>{@code sub}: a pattern occurs inside the sample;</li>
 *   <li>{@code dom}: a pattern occurs as whole words delimited by {@code / ? . :} or the ends
 *       ({@link WordMatcher}); {@code dir}: the same with {@code /} and {@code ?};</li>
 *   <li>{@code reg}: a regular expression (java.util.regex syntax) is found in the sample;</li>
 *   <li>{@code len}: the sample's length is one of the integer patterns;</li>
 *   <li>{@code found}: the fetch returned a value; takes no patterns.</li>
 * </ul>
 * {@code -i} folds ASCII letters only, as HAProxy does. Several patterns: any may match. A list
 * sample (multi-valued fetch) matches when any element does.
 *
 * <p><b>Sample types.</b> Every method but {@code found} reads text, so it applies to STRING
 * samples ({@link CharSequence}) and BINARY samples ({@link io.netty.buffer.ByteBuf}, read one
 * byte per char, as HAProxy matches strings against binary samples). On INTEGER, BOOLEAN and
 * ADDRESS samples they are a config error that names the method meant for that type: HAProxy
 * would cast such a sample to a string first, which costs an allocation per match and is always
 * better written with {@code int}, {@code bool} or {@code ip}. {@code found} applies to every
 * sample type.
 */
@Component(service = MatcherFactory.class, property = {
    MatcherFactory.METHODS + "=str",
    MatcherFactory.METHODS + "=beg",
    MatcherFactory.METHODS + "=end",
    MatcherFactory.METHODS + "=sub",
    MatcherFactory.METHODS + "=dir",
    MatcherFactory.METHODS + "=dom",
    MatcherFactory.METHODS + "=reg",
    MatcherFactory.METHODS + "=len",
    MatcherFactory.METHODS + "=found"
})
public final class TextMatcherFactory implements MatcherFactory {

    /**
     * Config time; may allocate freely, does not block. Compiles {@code method} against
     * {@code patterns}. The returned matcher is immutable, shared by every event loop, and
     * allocation-free per match.
     *
     * @throws ConfigException for an unknown method, a method that cannot apply to
     *         {@code sampleType}, patterns given to {@code found} or missing for any other method,
     *         a bad regular expression (the message names it), a {@code dom}/{@code dir} pattern
     *         with no word, or a {@code len} pattern that is not an integer, range or operator
     */
    @Override
    public Matcher compile(String method, SampleType sampleType, List<String> patterns, boolean ignoreCase,
            ConfigContext context) throws ConfigException {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(sampleType, "sampleType");
        List<String> pats = patterns == null ? List.of() : patterns;
        if (method.equals("found")) {
            if (!pats.isEmpty()) {
                throw new ConfigException("-m found takes no patterns (got '" + String.join(" ", pats)
                        + "'): it matches whenever the fetch returns a value");
            }
            return FoundMatcher.INSTANCE;
        }
        if (!isKnown(method)) {
            throw new ConfigException("-m " + method + ": not a text match method (this bundle serves "
                    + "str, beg, end, sub, dir, dom, reg, len, found)");
        }
        if (sampleType != SampleType.STRING && sampleType != SampleType.BINARY) {
            throw new ConfigException("-m " + method + " matches text, but this fetch yields "
                    + typeName(sampleType) + " samples: use -m " + sampleType.defaultMethod()
                    + " (the default for such fetches) or -m found");
        }
        if (pats.isEmpty()) {
            throw new ConfigException("-m " + method + " needs at least one pattern");
        }
        String where = context == null ? "?" : context.location();
        switch (method) {
            case "str":
                return new ExactMatcher(fold(pats, ignoreCase), ignoreCase);
            case "beg":
                return new AffixMatcher(AffixMatcher.Where.BEGIN, fold(pats, ignoreCase), ignoreCase);
            case "end":
                return new AffixMatcher(AffixMatcher.Where.END, fold(pats, ignoreCase), ignoreCase);
            case "sub":
                return new AffixMatcher(AffixMatcher.Where.ANYWHERE, fold(pats, ignoreCase), ignoreCase);
            case "dom":
                return words(method, pats, ignoreCase, WordMatcher.DOM_DELIMITERS);
            case "dir":
                return words(method, pats, ignoreCase, WordMatcher.DIR_DELIMITERS);
            case "reg":
                return regex(pats, ignoreCase, where);
            default: // "len"
                return LengthPatterns.compile(pats);
        }
    }

    private static boolean isKnown(String method) {
        switch (method) {
            case "str":
            case "beg":
            case "end":
            case "sub":
            case "dir":
            case "dom":
            case "reg":
            case "len":
                return true;
            default:
                return false;
        }
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

    private static String[] fold(List<String> pats, boolean ignoreCase) {
        String[] out = new String[pats.size()];
        for (int i = 0; i < out.length; i++) {
            String p = Objects.requireNonNull(pats.get(i), "pattern");
            out[i] = ignoreCase ? Ascii.lower(p) : p;
        }
        return out;
    }

    private static Matcher words(String method, List<String> pats, boolean ignoreCase, String delimiters)
            throws ConfigException {
        String[] out = fold(pats, ignoreCase);
        for (int i = 0; i < out.length; i++) {
            String trimmed = WordMatcher.trim(out[i], delimiters);
            if (trimmed.isEmpty()) {
                throw new ConfigException("-m " + method + ": pattern '" + pats.get(i)
                        + "' has no word between its delimiters (" + delimiters + ")");
            }
            out[i] = trimmed;
        }
        return new WordMatcher(out, ignoreCase, delimiters);
    }

    private static Matcher regex(List<String> pats, boolean ignoreCase, String where) throws ConfigException {
        List<Pattern> compiled = new ArrayList<>(pats.size());
        for (String p : pats) {
            try {
                compiled.add(Pattern.compile(p, ignoreCase ? Pattern.CASE_INSENSITIVE : 0));
            } catch (PatternSyntaxException e) {
                throw new ConfigException("-m reg: bad regular expression '" + p + "': " + e.getDescription()
                        + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""), e);
            }
        }
        return new RegexMatcher(compiled.toArray(new Pattern[0]), where);
    }
}
