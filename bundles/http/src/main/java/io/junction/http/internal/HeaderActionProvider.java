package io.junction.http.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Facts;
import io.junction.api.HeaderEditor;
import io.junction.api.HttpAction;
import io.junction.api.HttpActionProvider;
import io.junction.api.Words;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code http-request} header actions and {@code deny}
 * ({@code junction.http.action=set-header,add-header,del-header,deny}):
 * <pre>
 *   http-request set-header NAME FMT [if|unless COND]     replace every NAME field with one
 *   http-request add-header NAME FMT [if|unless COND]     add one more NAME field
 *   http-request del-header NAME [if|unless COND]         remove every NAME field
 *   http-request deny [deny_status N] [if|unless COND]    answer N (default 403), forward nothing
 * </pre>
 * FMT is a HAProxy log-format string ({@link LogFormat}), e.g. the seed article's
 * {@code http-request set-header X-Forwarded-Proto https if app2-host { ssl_fc }} or
 * {@code http-request set-header X-Client %[src]}. Rules run after the request head was read
 * and before {@code use_backend}, in the order written (the core applies them).
 *
 * <p>{@code Content-Length} and {@code Transfer-Encoding} cannot be set, added or deleted: they
 * frame the message the proxy forwards, and changing them would make the proxy and the server
 * disagree on where the request ends (request smuggling by configuration).
 */
@Component(service = HttpActionProvider.class, property = {
        HttpActionProvider.KEYWORDS + "=set-header",
        HttpActionProvider.KEYWORDS + "=add-header",
        HttpActionProvider.KEYWORDS + "=del-header",
        HttpActionProvider.KEYWORDS + "=deny"})
public final class HeaderActionProvider implements HttpActionProvider {

    /**
     * Config time: parses one action's own words; the condition after them is the core's.
     *
     * @throws ConfigException for a missing or invalid name, an unsupported log-format element,
     *         an unknown fetch in {@code %[...]}, or a bad deny status
     */
    @Override
    public HttpAction parse(String keyword, Words args, ConfigContext context) throws ConfigException {
        switch (keyword) {
            case "set-header", "add-header" -> {
                String name = headerName(args.next("a header name"), keyword);
                LogFormat format = LogFormat.compile(args.next("a value (a log-format string, e.g. https or %[src])"),
                        context);
                return keyword.equals("set-header") ? new SetHeader(name, format) : new AddHeader(name, format);
            }
            case "del-header" -> {
                String name = headerName(args.next("a header name"), keyword);
                if ("-m".equals(args.peek())) {
                    throw new ConfigException("del-header: '-m' (matching values) is not supported yet");
                }
                return new DelHeader(name);
            }
            case "deny" -> {
                int status = 403;
                while (args.hasNext()) {
                    String w = args.next("an option");
                    if (w.equals("deny_status") || w.equals("status")) {
                        String n = args.next("a status code after '" + w + "'");
                        try {
                            status = Integer.parseInt(n);
                        } catch (NumberFormatException e) {
                            throw new ConfigException("deny: '" + n + "' is not a status code");
                        }
                        if (status < 200 || status > 599) {
                            throw new ConfigException("deny: status " + status + " is not a final status (200 to 599)");
                        }
                    } else {
                        throw new ConfigException("deny: unsupported option '" + w + "' (supported: deny_status N)");
                    }
                }
                return new Deny(status);
            }
            default -> throw new ConfigException("'" + keyword + "' is not an action of this bundle");
        }
    }

    private static String headerName(String name, String keyword) throws ConfigException {
        for (int i = 0; i < name.length(); i++) {
            if (!ForwardingHeaders.isTchar(name.charAt(i))) {
                throw new ConfigException(keyword + ": '" + name + "' is not a valid header name (RFC 9110 section 5.1)");
            }
        }
        if (name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding")) {
            throw new ConfigException(keyword + ": '" + name + "' frames the message and cannot be changed by a rule");
        }
        return name;
    }

    /** {@code set-header}: replaces every field of that name with one. */
    record SetHeader(String name, LogFormat format) implements HttpAction {
        /** Event loop; allocates only when the format has variable parts. */
        @Override
        public int apply(HeaderEditor headers, Facts request) {
            headers.set(name, format.render(request));
            return CONTINUE;
        }
    }

    /** {@code add-header}: adds one field, keeping the others. */
    record AddHeader(String name, LogFormat format) implements HttpAction {
        /** Event loop; allocates only when the format has variable parts. */
        @Override
        public int apply(HeaderEditor headers, Facts request) {
            headers.add(name, format.render(request));
            return CONTINUE;
        }
    }

    /** {@code del-header}: removes every field of that name. */
    record DelHeader(String name) implements HttpAction {
        /** Event loop; allocates nothing. */
        @Override
        public int apply(HeaderEditor headers, Facts request) {
            headers.remove(name);
            return CONTINUE;
        }
    }

    /** {@code deny}: the request is answered with {@code status} and goes nowhere. */
    record Deny(int status) implements HttpAction {
        /** Event loop; allocates nothing. */
        @Override
        public int apply(HeaderEditor headers, Facts request) {
            return status;
        }
    }
}
