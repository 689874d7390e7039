package io.junction.core.internal.compile;

import io.junction.api.BindOption;
import io.junction.api.BindOptionProvider;
import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.ConnectionAction;
import io.junction.api.ConnectionActionProvider;
import io.junction.api.Connector;
import io.junction.api.Fetch;
import io.junction.api.FetchProvider;
import io.junction.api.HttpAction;
import io.junction.api.HttpActionProvider;
import io.junction.api.Matcher;
import io.junction.api.MatcherFactory;
import io.junction.api.SampleType;
import io.junction.api.ServerOption;
import io.junction.api.ServerOptionProvider;
import io.junction.api.Sniffer;
import io.junction.api.Words;
import io.junction.core.internal.config.ConfigLine;
import io.junction.core.internal.config.ConfigProblem;
import io.junction.core.internal.config.ConfigSection;
import io.junction.core.internal.route.Balance;
import io.junction.core.internal.route.BackendPool;
import io.junction.core.internal.route.HealthCheck;
import io.junction.core.internal.route.ServerState;
import io.junction.core.internal.route.BindSpec;
import io.junction.core.internal.route.CompiledConfig;
import io.junction.core.internal.route.Condition;
import io.junction.core.internal.route.ConnectionRule;
import io.junction.core.internal.route.ContentRule;
import io.junction.core.internal.route.FrontendRoutes;
import io.junction.core.internal.route.HttpRule;
import io.junction.core.internal.route.Rule;
import io.junction.core.internal.route.ServerTarget;
import io.junction.core.internal.route.Timeouts;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles HAProxy-dialect sections into an immutable {@link CompiledConfig}, resolving every
 * fetch, match method, server option and bind option against the plugin services present.
 *
 * <p>Every problem is collected with its {@code file:line}; nothing stops at the first error.
 * A keyword that a known but absent bundle would serve makes its rule <em>pending</em> rather
 * than wrong: a pending {@code use-server}/{@code use_backend} rule is skipped, a server with a
 * pending option is unusable, and a frontend whose access rules ({@code tcp-request content})
 * or mode are pending is not served at all, because skipping a {@code reject} would silently
 * let connections through.
 *
 * <p>Config thread only; not thread-safe. Plugins are called here only at their config-time
 * methods.
 */
public final class ConfigCompiler {

    /** {@code option} names that the HTTP mode applies; kept per proxy and handed to the mode. */
    static final Set<String> HTTP_OPTIONS = Set.of("forwardfor", "forwarded", "http-server-close", "http-keep-alive",
            "httpclose", "http-buffer-request", "originalto", "http-no-delay", "http-pretend-keepalive",
            // Junction's: answer 421 when a terminated connection's Host differs from its SNI
            // (domain fronting; see docs/tls.md).
            "strict-sni-host");

    /** Default of {@code global maxconn}: bounded, as every limit here. */
    static final int DEFAULT_MAXCONN = 10_000;

    private final Plugins plugins;
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Map<Sniffer, Integer> snifferBits = new IdentityHashMap<>();
    private int globalMaxconn = DEFAULT_MAXCONN;

    private final java.util.function.Function<String, ServerState> states;

    private ConfigCompiler(Plugins plugins, java.util.function.Function<String, ServerState> states) {
        this.plugins = plugins;
        this.states = states;
    }

    /**
     * Config thread: compiles sections read from files.
     *
     * @param readProblems syntax problems found while reading; carried into the result
     */
    public static CompiledConfig compile(List<ConfigSection> sections, List<ConfigProblem> readProblems, Plugins plugins) {
        return compile(sections, readProblems, plugins, ServerState::new);
    }

    /**
     * Config thread: as {@link #compile(List, List, Plugins)}, with server states looked up by
     * key so that health and connection counts survive a reload of the same server line.
     */
    public static CompiledConfig compile(List<ConfigSection> sections, List<ConfigProblem> readProblems, Plugins plugins,
            java.util.function.Function<String, ServerState> states) {
        ConfigCompiler compiler = new ConfigCompiler(plugins, states);
        compiler.problems.addAll(readProblems);
        List<FrontendRoutes> frontends = compiler.compileAll(sections);
        List<ConfigProblem> sorted = new ArrayList<>(compiler.problems);
        sorted.sort(Comparator.comparing(ConfigCompiler::fileOf).thenComparingInt(ConfigCompiler::lineOf));
        return new CompiledConfig(frontends, compiler.globalMaxconn, sorted);
    }

    private static String fileOf(ConfigProblem p) {
        int colon = p.location().lastIndexOf(':');
        return colon < 0 ? p.location() : p.location().substring(0, colon);
    }

    private static int lineOf(ConfigProblem p) {
        int colon = p.location().lastIndexOf(':');
        if (colon < 0) {
            return 0;
        }
        try {
            return Integer.parseInt(p.location().substring(colon + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ------------------------------------------------------------------ problems

    private void error(ConfigLine line, String message) {
        problems.add(new ConfigProblem(line.location(), message, ConfigProblem.Severity.ERROR));
    }

    private void pending(ConfigLine line, String message) {
        problems.add(new ConfigProblem(line.location(), message, ConfigProblem.Severity.PENDING));
    }

    private void warning(ConfigLine line, String message) {
        problems.add(new ConfigProblem(line.location(), message, ConfigProblem.Severity.WARNING));
    }

    /** A keyword that a known bundle serves but that is not installed. */
    static final class PendingException extends Exception {
        private static final long serialVersionUID = 1L;

        PendingException(String message) {
            super(message, null, false, false);
        }
    }

    private static PendingException missing(String what, String keyword, String bundle) {
        return new PendingException(what + " '" + keyword + "': no installed bundle provides it (install " + bundle + ")");
    }

    // ------------------------------------------------------------------ sections

    /** Settings a {@code defaults} section gives to the proxies after it. */
    private static final class Defaults {
        String mode = "tcp";
        Timeouts timeouts = Timeouts.DEFAULTS;
        int maxconn;
        ConfigLine modeLine;
        final Map<String, ConfigLine> options = new LinkedHashMap<>();
        Balance balance = Balance.ROUNDROBIN;
        int retries = 3;
        boolean redispatch;
        List<String> httpchk;
        long checkTimeout = -1;

        Defaults copy() {
            Defaults d = new Defaults();
            d.options.putAll(options);
            d.balance = balance;
            d.retries = retries;
            d.redispatch = redispatch;
            d.httpchk = httpchk;
            d.checkTimeout = checkTimeout;
            d.mode = mode;
            d.timeouts = timeouts;
            d.maxconn = maxconn;
            d.modeLine = modeLine;
            return d;
        }
    }

    /** A proxy section sorted into its parts, before compilation. */
    private static final class Draft {
        final ConfigSection section;
        String mode;
        ConfigLine modeLine;
        Timeouts timeouts;
        int maxconn;
        final List<ConfigLine> binds = new ArrayList<>();
        final List<ConfigLine> connectionRules = new ArrayList<>();
        final List<ConfigLine> contentRules = new ArrayList<>();
        final List<ConfigLine> useServer = new ArrayList<>();
        final List<ConfigLine> useBackend = new ArrayList<>();
        final List<ConfigLine> servers = new ArrayList<>();
        ConfigLine defaultBackend;
        final List<ConfigLine> httpRules = new ArrayList<>();
        /** {@code option} names that shape HTTP mode, with the line that set them. */
        final Map<String, ConfigLine> options = new LinkedHashMap<>();
        final Map<String, List<ConfigLine>> acls = new LinkedHashMap<>();
        Balance balance;
        int retries;
        boolean redispatch;
        List<String> httpchk;
        long checkTimeout;
        /** Why this proxy cannot be served (a pending mode or access rule), or null. */
        String pendingReason;
        /** Named ACLs compiled so far, with the sniffer bits they need. */
        final Map<String, Compiled> aclCache = new HashMap<>();

        Draft(ConfigSection section, Defaults defaults) {
            this.section = section;
            this.mode = defaults.mode;
            this.modeLine = defaults.modeLine;
            this.timeouts = defaults.timeouts;
            this.maxconn = defaults.maxconn;
            this.options.putAll(defaults.options);
            this.balance = defaults.balance;
            this.retries = defaults.retries;
            this.redispatch = defaults.redispatch;
            this.httpchk = defaults.httpchk;
            this.checkTimeout = defaults.checkTimeout;
        }

        String name() {
            return section.name();
        }
    }

    /** A compiled condition and the sniffers its samples come from. */
    private record Compiled(Condition condition, long snifferMask) {
    }

    private List<FrontendRoutes> compileAll(List<ConfigSection> sections) {
        Map<String, Defaults> namedDefaults = new HashMap<>();
        Defaults current = new Defaults();
        List<Draft> drafts = new ArrayList<>();
        Map<String, Draft> backendsByName = new LinkedHashMap<>();
        Set<String> frontendNames = new LinkedHashSet<>();
        for (ConfigSection section : sections) {
            Defaults base = current;
            List<String> header = section.header().words();
            int from = header.indexOf("from");
            if (from > 0 && from + 1 < header.size()) {
                base = namedDefaults.get(header.get(from + 1));
                if (base == null) {
                    error(section.header(), "no defaults section named '" + header.get(from + 1) + "' before this line");
                    base = new Defaults();
                }
            }
            switch (section.kind()) {
                case "global" -> compileGlobal(section);
                case "defaults" -> {
                    Defaults d = from > 0 ? base.copy() : new Defaults();
                    compileDefaults(section, d);
                    current = d;
                    if (!section.name().isEmpty() && !section.name().equals("from")) {
                        namedDefaults.put(section.name(), d);
                    }
                }
                default -> {
                    Draft draft = new Draft(section, base);
                    sort(draft);
                    drafts.add(draft);
                    if (section.isBackend()) {
                        if (backendsByName.putIfAbsent(section.name(), draft) != null) {
                            error(section.header(), "a backend or listen named '" + section.name() + "' already exists");
                        }
                    }
                    if (section.isFrontend() && !frontendNames.add(section.name())) {
                        error(section.header(), "a frontend or listen named '" + section.name() + "' already exists");
                    }
                }
            }
        }
        Map<String, BackendPool> pools = new HashMap<>();
        Map<String, Long> poolSniffers = new HashMap<>();
        for (Draft draft : backendsByName.values()) {
            compileBackend(draft, pools, poolSniffers);
        }
        List<FrontendRoutes> frontends = new ArrayList<>();
        for (Draft draft : drafts) {
            if (draft.section.isFrontend()) {
                FrontendRoutes f = compileFrontend(draft, pools, poolSniffers, backendsByName);
                if (f != null) {
                    frontends.add(f);
                }
            }
        }
        return frontends;
    }

    private void compileGlobal(ConfigSection section) {
        for (ConfigLine line : section.lines()) {
            List<String> w = line.words();
            switch (line.keyword()) {
                case "maxconn" -> globalMaxconn = positiveInt(line, w, 1, globalMaxconn);
                case "log" -> warning(line, "log targets are not supported; Junction logs to stdout/stderr (see docs/operations.md)");
                case "daemon", "master-worker" -> warning(line, "'" + line.keyword()
                        + "' accepted, not applied: Junction runs in the foreground under a supervisor (systemd)");
                case "user", "group", "uid", "gid", "chroot", "pidfile", "ulimit-n", "nbproc", "nbthread", "cpu-map",
                        "stats", "node", "description", "log-send-hostname", "hard-stop-after", "ca-base", "crt-base",
                        "tune.bufsize", "tune.maxrewrite", "tune.ssl.default-dh-param", "ssl-default-bind-ciphers",
                        "ssl-default-bind-ciphersuites", "ssl-default-bind-options", "ssl-default-server-ciphers",
                        "ssl-default-server-options", "ssl-server-verify" ->
                        warning(line, "'" + line.keyword() + "' accepted, not applied by Junction (see docs/configuration.md)");
                default -> error(line, "unknown keyword '" + line.keyword() + "' in section 'global'" + hint(line.keyword()));
            }
        }
    }

    private void compileDefaults(ConfigSection section, Defaults d) {
        for (ConfigLine line : section.lines()) {
            List<String> w = line.words();
            switch (line.keyword()) {
                case "mode" -> {
                    d.mode = mode(line, w);
                    d.modeLine = line;
                }
                case "maxconn" -> d.maxconn = positiveInt(line, w, 1, d.maxconn);
                case "option" -> {
                    if (w.size() > 2 && HTTP_OPTIONS.contains(w.get(1))) {
                        error(line, "arguments of option " + w.get(1) + " (" + String.join(" ", w.subList(2, w.size()))
                                + ") are not supported yet");
                    } else if (w.size() >= 2 && HTTP_OPTIONS.contains(w.get(1))) {
                        d.options.put(w.get(1), line);
                    } else if (w.size() >= 2 && w.get(1).equals("httpchk")) {
                        d.httpchk = w.subList(2, w.size());
                    } else if (w.size() >= 2 && w.get(1).equals("redispatch")) {
                        d.redispatch = true;
                    } else {
                        option(line, w);
                    }
                }
                case "balance" -> d.balance = balance(line, w, d.balance);
                case "retries" -> d.retries = nonNegativeInt(line, w, d.retries);
                case "timeout" -> {
                    if (w.size() == 3 && w.get(1).equals("check")) {
                        d.checkTimeout = checkTimeout(line, w, d.checkTimeout);
                    } else {
                        d.timeouts = timeout(line, w, d.timeouts);
                    }
                }
                default -> commonProxyKeyword(line, w, "defaults");
            }
        }
    }

    /** Keywords accepted in defaults and proxies alike that do not shape routing. */
    private void commonProxyKeyword(ConfigLine line, List<String> w, String sectionKind) {
        switch (line.keyword()) {
            case "log" -> {
                if (!(w.size() == 2 && w.get(1).equals("global"))) {
                    warning(line, "log targets are not supported; Junction logs to stdout/stderr");
                }
            }
            case "option" -> option(line, w);
            case "description", "id", "enabled" -> {
            }
            case "default-server", "errorfile", "http-reuse", "compression", "stats", "cookie", "hash-type",
                    "fullconn", "capture" -> warning(line, "'" + line.keyword() + "' accepted, not applied by Junction yet");
            case "http-response", "http-after-response", "redirect" ->
                    warning(line, "'" + line.keyword() + "' accepted, not applied by Junction yet");
            default -> error(line, "unknown keyword '" + line.keyword() + "' in section '" + sectionKind + "'"
                    + hint(line.keyword()));
        }
    }

    private void option(ConfigLine line, List<String> w) {
        if (w.size() < 2) {
            error(line, "'option' needs a name");
            return;
        }
        switch (w.get(1)) {
            case "tcplog", "httplog", "dontlognull", "logasap", "log-separate-errors", "log-health-checks" ->
                    warning(line, "option " + w.get(1) + " accepted: Junction logs each connection at debug level");
            case "tcpka", "clitcpka", "srvtcpka", "splice-auto", "splice-request", "splice-response",
                    "abortonclose", "nolinger", "socket-stats" ->
                    warning(line, "option " + w.get(1) + " accepted, not applied by Junction yet");
            default -> error(line, "unknown option '" + w.get(1) + "'");
        }
    }

    private String hint(String keyword) {
        return switch (keyword) {
            case "use_server" -> " (did you mean 'use-server'?)";
            case "use-backend" -> " (did you mean 'use_backend'?)";
            case "default-backend" -> " (did you mean 'default_backend'?)";
            case "servers" -> " (did you mean 'server'?)";
            default -> "";
        };
    }

    private String mode(ConfigLine line, List<String> w) {
        if (w.size() != 2 || !(w.get(1).equals("tcp") || w.get(1).equals("http"))) {
            error(line, "'mode' takes tcp or http");
            return "tcp";
        }
        return w.get(1);
    }

    private Timeouts timeout(ConfigLine line, List<String> w, Timeouts t) {
        if (w.size() != 3) {
            error(line, "'timeout' needs a name and a duration, e.g. 'timeout connect 5s'");
            return t;
        }
        long ms;
        try {
            ms = Durations.parseMillis(w.get(2));
        } catch (ConfigException e) {
            error(line, e.getMessage());
            return t;
        }
        return switch (w.get(1)) {
            case "connect" -> t.withConnect(ms);
            case "client" -> t.withClient(ms);
            case "server" -> t.withServer(ms);
            case "tunnel" -> t.withTunnel(ms);
            case "http-request" -> t.withHttpRequest(ms);
            case "http-keep-alive" -> t.withHttpKeepAlive(ms);
            case "queue", "client-fin", "server-fin", "tarpit" -> {
                warning(line, "timeout " + w.get(1) + " accepted, not applied in TCP mode");
                yield t;
            }
            default -> {
                error(line, "unknown timeout '" + w.get(1) + "'");
                yield t;
            }
        };
    }

    private Balance balance(ConfigLine line, List<String> w, Balance fallback) {
        if (w.size() != 2) {
            error(line, "'balance' takes one algorithm: roundrobin, static-rr, leastconn or source");
            return fallback;
        }
        return switch (w.get(1)) {
            case "roundrobin", "static-rr" -> Balance.ROUNDROBIN;
            case "leastconn" -> Balance.LEASTCONN;
            case "source" -> Balance.SOURCE;
            default -> {
                error(line, "balance '" + w.get(1) + "' is not supported; use roundrobin, static-rr, leastconn or source");
                yield fallback;
            }
        };
    }

    private int nonNegativeInt(ConfigLine line, List<String> w, int fallback) {
        if (w.size() != 2) {
            error(line, "'" + line.keyword() + "' takes one number");
            return fallback;
        }
        try {
            int v = Integer.parseInt(w.get(1));
            if (v < 0 || v > 100) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            error(line, "'" + w.get(1) + "' is not a number from 0 to 100");
            return fallback;
        }
    }

    private long checkTimeout(ConfigLine line, List<String> w, long fallback) {
        try {
            return Durations.parseMillis(w.get(2));
        } catch (ConfigException e) {
            error(line, e.getMessage());
            return fallback;
        }
    }

    private int positiveInt(ConfigLine line, List<String> w, int index, int fallback) {
        if (w.size() != index + 1) {
            error(line, "'" + line.keyword() + "' takes one number");
            return fallback;
        }
        try {
            int v = Integer.parseInt(w.get(index));
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            error(line, "'" + w.get(index) + "' is not a positive number");
            return fallback;
        }
    }

    private void sort(Draft d) {
        String kind = d.section.kind();
        for (ConfigLine line : d.section.lines()) {
            List<String> w = line.words();
            String k = line.keyword();
            boolean front = d.section.isFrontend();
            boolean back = d.section.isBackend();
            switch (k) {
                case "mode" -> {
                    d.mode = mode(line, w);
                    d.modeLine = line;
                }
                case "timeout" -> {
                    if (w.size() == 3 && w.get(1).equals("check")) {
                        d.checkTimeout = checkTimeout(line, w, d.checkTimeout);
                    } else {
                        d.timeouts = timeout(line, w, d.timeouts);
                    }
                }
                case "maxconn" -> d.maxconn = positiveInt(line, w, 1, d.maxconn);
                case "balance" -> d.balance = balance(line, w, d.balance);
                case "retries" -> d.retries = nonNegativeInt(line, w, d.retries);
                case "bind" -> {
                    if (front) {
                        d.binds.add(line);
                    } else {
                        error(line, "'bind' is not allowed in a backend section");
                    }
                }
                case "acl" -> {
                    if (w.size() < 3) {
                        error(line, "'acl' needs a name and a fetch, e.g. 'acl app1 req.ssl_sni -i app1.example.com'");
                    } else {
                        d.acls.computeIfAbsent(w.get(1), x -> new ArrayList<>()).add(line);
                    }
                }
                case "tcp-request" -> tcpRequest(d, line, w);
                case "http-request" -> {
                    if (w.size() < 2) {
                        error(line, "'http-request' needs an action, e.g. set-header NAME VALUE");
                    } else {
                        d.httpRules.add(line);
                    }
                }
                case "option" -> {
                    if (w.size() > 2 && HTTP_OPTIONS.contains(w.get(1))) {
                        error(line, "arguments of option " + w.get(1) + " (" + String.join(" ", w.subList(2, w.size()))
                                + ") are not supported yet");
                    } else if (w.size() >= 2 && HTTP_OPTIONS.contains(w.get(1))) {
                        d.options.put(w.get(1), line);
                    } else if (w.size() >= 2 && w.get(1).equals("httpchk")) {
                        d.httpchk = w.subList(2, w.size());
                    } else if (w.size() >= 2 && w.get(1).equals("redispatch")) {
                        d.redispatch = true;
                    } else {
                        option(line, w);
                    }
                }
                case "use-server" -> {
                    if (back) {
                        d.useServer.add(line);
                    } else {
                        error(line, "'use-server' is only allowed in backend and listen sections");
                    }
                }
                case "use_backend" -> {
                    if (front) {
                        d.useBackend.add(line);
                    } else {
                        error(line, "'use_backend' is only allowed in frontend and listen sections");
                    }
                }
                case "default_backend" -> {
                    if (!front) {
                        error(line, "'default_backend' is only allowed in frontend and listen sections");
                    } else if (w.size() != 2) {
                        error(line, "'default_backend' takes one backend name");
                    } else {
                        d.defaultBackend = line;
                    }
                }
                case "server" -> {
                    if (back) {
                        d.servers.add(line);
                    } else {
                        error(line, "'server' is not allowed in a frontend section");
                    }
                }
                default -> commonProxyKeyword(line, w, kind + " " + d.name());
            }
        }
        if (d.mode.equals("http")) {
            if (plugins.modes().get("http") == null) {
                d.pendingReason = "mode http: no installed bundle provides it (install junction-http)";
                pending(d.modeLine != null ? d.modeLine : d.section.header(), d.pendingReason);
            }
        } else {
            for (ConfigLine line : d.httpRules) {
                error(line, "'http-request' needs 'mode http' in '" + d.name() + "'");
            }
            for (Map.Entry<String, ConfigLine> e : d.options.entrySet()) {
                if (e.getValue().file() != null && d.section.lines().contains(e.getValue())) {
                    warning(e.getValue(), "option " + e.getKey() + " applies in mode http only; '" + d.name()
                            + "' is mode tcp");
                }
            }
        }
    }

    private void tcpRequest(Draft d, ConfigLine line, List<String> w) {
        if (w.size() < 2) {
            error(line, "'tcp-request' needs inspect-delay, content or connection");
            return;
        }
        switch (w.get(1)) {
            case "inspect-delay" -> {
                if (w.size() != 3) {
                    error(line, "'tcp-request inspect-delay' takes one duration");
                    return;
                }
                try {
                    d.timeouts = d.timeouts.withInspectDelay(Durations.parseMillis(w.get(2)));
                } catch (ConfigException e) {
                    error(line, e.getMessage());
                }
            }
            case "content" -> {
                if (w.size() < 3 || !(w.get(2).equals("accept") || w.get(2).equals("reject"))) {
                    error(line, "'tcp-request content' supports accept and reject"
                            + (w.size() >= 3 ? ", not '" + w.get(2) + "'" : ""));
                    return;
                }
                if (w.size() > 3 && !(w.get(3).equals("if") || w.get(3).equals("unless"))) {
                    error(line, "expected 'if' or 'unless' after '" + w.get(2) + "', got '" + w.get(3) + "'");
                    return;
                }
                d.contentRules.add(line);
            }
            case "connection" -> {
                if (w.size() < 3) {
                    error(line, "'tcp-request connection' needs an action: accept, reject, expect-proxy layer4");
                    return;
                }
                d.connectionRules.add(line);
            }
            default -> error(line, "unknown 'tcp-request " + w.get(1) + "'");
        }
    }

    // ------------------------------------------------------------------ backends

    private void compileBackend(Draft d, Map<String, BackendPool> pools, Map<String, Long> poolSniffers) {
        Map<String, ServerTarget> servers = new LinkedHashMap<>();
        for (ConfigLine line : d.servers) {
            ServerTarget s = server(d, line);
            if (s != null && servers.putIfAbsent(s.name(), s) != null) {
                error(line, "server '" + s.name() + "' already exists in '" + d.name() + "'");
            }
        }
        List<Rule<ServerTarget>> rules = new ArrayList<>();
        long mask = 0;
        for (ConfigLine line : d.useServer) {
            List<String> w = line.words();
            if (w.size() < 4 || !(w.get(2).equals("if") || w.get(2).equals("unless"))) {
                error(line, "'use-server' needs a server name and a condition: use-server NAME if|unless COND");
                continue;
            }
            ServerTarget target = servers.get(w.get(1));
            if (target == null) {
                error(line, "use-server: no server named '" + w.get(1) + "' in '" + d.name() + "'");
                continue;
            }
            Compiled c = condition(d, line, w, 2);
            if (c != null) {
                rules.add(new Rule<>(target, c.condition(), line.location()));
                mask |= c.snifferMask();
            }
        }
        pools.put(d.name(), new BackendPool(d.name(), new ArrayList<>(servers.values()), rules, d.timeouts,
                httpRules(d), d.options.keySet(), d.balance, d.retries, d.redispatch));
        poolSniffers.put(d.name(), mask);
    }

    private ServerTarget server(Draft d, ConfigLine line) {
        List<String> w = line.words();
        if (w.size() < 3) {
            error(line, "'server' needs a name and an address: server NAME ADDR:PORT [options]");
            return null;
        }
        String name = w.get(1);
        Addresses.Parsed address;
        try {
            address = Addresses.parse(w.get(2), false);
        } catch (ConfigException e) {
            error(line, e.getMessage());
            return null;
        }
        int weight = 1;
        boolean disabled = false;
        boolean check = false;
        long inter = 2_000;
        int rise = 2;
        int fall = 3;
        int checkPort = 0;
        String pendingReason = null;
        List<ServerOption> options = new ArrayList<>();
        LineWords words = new LineWords(line, 3);
        ConfigContext context = context(line);
        while (words.hasNext()) {
            String keyword = words.peek();
            words.skip();
            try {
                switch (keyword) {
                    case "weight" -> {
                        String v = words.next("a weight from 0 to 256");
                        try {
                            weight = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            weight = -1;
                        }
                        if (weight < 0 || weight > 256) {
                            throw new ConfigException("weight must be a number from 0 to 256, got '" + v + "'");
                        }
                    }
                    case "disabled" -> disabled = true;
                    case "enabled" -> disabled = false;
                    case "check" -> check = true;
                    case "no-check" -> check = false;
                    case "inter" -> inter = Durations.parseMillis(words.next("an interval, e.g. 2s"));
                    case "fastinter", "downinter" -> {
                        words.next("an interval");
                        warning(line, "'" + keyword + "' accepted; Junction checks every 'inter' in every state");
                    }
                    case "rise" -> rise = checkCount(words.next("a count"), keyword);
                    case "fall" -> fall = checkCount(words.next("a count"), keyword);
                    case "port" -> {
                        String v = words.next("a port");
                        try {
                            checkPort = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            checkPort = -1;
                        }
                        if (checkPort < 1 || checkPort > 65535) {
                            throw new ConfigException("check port must be 1..65535, got '" + v + "'");
                        }
                    }
                    case "addr", "maxconn", "id" -> {
                        words.next("a value for " + keyword);
                        warning(line, "'" + keyword + "' accepted, not applied by Junction yet");
                    }
                    default -> {
                        ServerOptionProvider provider = plugins.serverOptions().get(keyword);
                        if (provider != null) {
                            options.add(provider.parse(keyword, words, context));
                        } else if (KeywordCatalog.SERVER_OPTIONS.containsKey(keyword)) {
                            String reason = missing("server option", keyword, KeywordCatalog.SERVER_OPTIONS.get(keyword)).getMessage();
                            pending(line, reason + "; server '" + name + "' is unusable until then");
                            pendingReason = pendingReason == null ? reason : pendingReason;
                            // The option's own arguments cannot be told apart from later keywords
                            // without its parser: skip the rest of the line.
                            words.skipAll();
                        } else {
                            throw new ConfigException("unknown server option '" + keyword + "'");
                        }
                    }
                }
            } catch (ConfigException e) {
                error(line, e.getMessage());
                return null;
            }
        }
        Connector connector = plugins.connectors().get("tcp");
        if (connector == null && pendingReason == null) {
            pendingReason = "no installed bundle opens TCP connections to servers (install junction-backend-plain)";
            pending(line, pendingReason);
        }
        if (disabled) {
            weight = 0;
            pendingReason = pendingReason == null ? "server is disabled" : pendingReason;
        }
        options.sort(Comparator.comparingInt(ServerOption::stage));
        HealthCheck healthCheck = null;
        if (check) {
            healthCheck = new HealthCheck(inter, rise, fall, checkPort, httpCheckRequest(d.httpchk, address.address()),
                    d.checkTimeout > 0 ? d.checkTimeout : Math.min(inter, d.timeouts.connect()));
        }
        ServerState state = states.apply(d.name() + "/" + name + "@" + address.address());
        return new ServerTarget(d.name(), name, address.address(), weight, connector,
                options.toArray(new ServerOption[0]), pendingReason, (int) Math.min(Integer.MAX_VALUE, d.timeouts.connect()),
                state, healthCheck);
    }

    private static int checkCount(String v, String keyword) throws ConfigException {
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 100) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(keyword + " must be a number from 1 to 100, got '" + v + "'");
    }

    /**
     * {@code option httpchk [METHOD] [URI] [VERSION]} (HAProxy 4.2): defaults OPTIONS, /,
     * HTTP/1.0. An HTTP/1.1 check gets a Host header (RFC 9112 section 3.2 requires it).
     */
    static byte[] httpCheckRequest(List<String> httpchk, java.net.InetSocketAddress server) {
        if (httpchk == null) {
            return null;
        }
        String method = httpchk.size() > 0 ? httpchk.get(0) : "OPTIONS";
        String uri = httpchk.size() > 1 ? httpchk.get(1) : "/";
        String version = httpchk.size() > 2 ? httpchk.get(2) : "HTTP/1.0";
        StringBuilder sb = new StringBuilder().append(method).append(' ').append(uri).append(' ').append(version).append("\r\n");
        if (version.equals("HTTP/1.1")) {
            String host = server.getAddress().getHostAddress();
            sb.append("Host: ").append(host.indexOf(':') >= 0 ? "[" + host + "]" : host).append("\r\n");
        }
        sb.append("Connection: close\r\n\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    // ------------------------------------------------------------------ frontends

    private FrontendRoutes compileFrontend(Draft d, Map<String, BackendPool> pools, Map<String, Long> poolSniffers,
            Map<String, Draft> backendDrafts) {
        List<BindSpec> binds = new ArrayList<>();
        for (ConfigLine line : d.binds) {
            binds.addAll(binds(d, line));
        }
        if (d.binds.isEmpty()) {
            warning(d.section.header(), "'" + d.name() + "' has no 'bind' line and receives no connections");
        }
        List<ConnectionRule> connectionRules = new ArrayList<>();
        for (ConfigLine line : d.connectionRules) {
            ConnectionRule rule = connectionRule(d, line);
            if (rule != null) {
                connectionRules.add(rule);
            }
        }
        long mask = 0;
        List<ContentRule> contentRules = new ArrayList<>();
        for (ConfigLine line : d.contentRules) {
            List<String> w = line.words();
            boolean accept = w.get(2).equals("accept");
            Condition condition = Condition.ALWAYS;
            if (w.size() > 3) {
                Compiled c;
                try {
                    c = conditionOrPending(d, line, w, 3);
                } catch (PendingException e) {
                    String reason = e.getMessage() + "; frontend '" + d.name()
                            + "' is not served until then (an access rule is never skipped)";
                    pending(line, reason);
                    d.pendingReason = d.pendingReason == null ? reason : d.pendingReason;
                    continue;
                }
                if (c == null) {
                    continue;
                }
                condition = c.condition();
                mask |= c.snifferMask();
            }
            contentRules.add(new ContentRule(accept, condition, line.location()));
        }
        List<Rule<BackendPool>> useBackend = new ArrayList<>();
        Set<String> reachable = new LinkedHashSet<>();
        for (ConfigLine line : d.useBackend) {
            List<String> w = line.words();
            if (w.size() < 2) {
                error(line, "'use_backend' needs a backend name");
                continue;
            }
            BackendPool pool = pools.get(w.get(1));
            if (pool == null) {
                error(line, "use_backend: no backend named '" + w.get(1) + "'");
                continue;
            }
            Condition condition = Condition.ALWAYS;
            if (w.size() > 2) {
                if (!(w.get(2).equals("if") || w.get(2).equals("unless")) || w.size() < 4) {
                    error(line, "expected 'if COND' or 'unless COND' after the backend name");
                    continue;
                }
                Compiled c = condition(d, line, w, 2);
                if (c == null) {
                    continue;
                }
                condition = c.condition();
                mask |= c.snifferMask();
            }
            useBackend.add(new Rule<>(pool, condition, line.location()));
            reachable.add(pool.name());
        }
        BackendPool defaultBackend = null;
        if (d.defaultBackend != null) {
            String name = d.defaultBackend.words().get(1);
            defaultBackend = pools.get(name);
            if (defaultBackend == null) {
                error(d.defaultBackend, "default_backend: no backend named '" + name + "'");
            } else {
                reachable.add(name);
            }
        } else if (d.section.isBackend()) {
            defaultBackend = pools.get(d.name());
            reachable.add(d.name());
        }
        for (String name : reachable) {
            mask |= poolSniffers.getOrDefault(name, 0L);
            Draft backend = backendDrafts.get(name);
            if (backend != null && backend.pendingReason != null && backend != d) {
                String reason = "backend '" + name + "' is pending: " + backend.pendingReason;
                pending(d.section.header(), reason);
                d.pendingReason = d.pendingReason == null ? reason : d.pendingReason;
            }
        }
        if (plugins.listeners().get("tcp") == null && !binds.isEmpty()) {
            String reason = "no installed bundle opens TCP listeners (install junction-listener-tcp)";
            pending(d.binds.get(0), reason);
            d.pendingReason = d.pendingReason == null ? reason : d.pendingReason;
        }
        List<Sniffer> sniffers = new ArrayList<>();
        List<String> snifferNames = new ArrayList<>();
        for (Map.Entry<Sniffer, Integer> e : snifferBits.entrySet()) {
            if ((mask & (1L << e.getValue())) != 0) {
                sniffers.add(e.getKey());
                snifferNames.add(plugins.protocols().getOrDefault(e.getKey(), e.getKey().getClass().getSimpleName()));
            }
        }
        // Order sniffers by their bit so that index i <-> bit of snifferBits.
        List<Integer> bits = new ArrayList<>();
        for (Sniffer s : sniffers) {
            bits.add(snifferBits.get(s));
        }
        if (d.pendingReason != null) {
            return null;
        }
        List<HttpRule> httpRules = d.section.isBackend() ? List.of() : httpRules(d);
        if (d.pendingReason != null) {
            return null;
        }
        return new FrontendRoutes(d.name(), binds, connectionRules, contentRules, useBackend, defaultBackend, sniffers,
                snifferNames, bits, d.timeouts, d.maxconn, d.mode.equals("http") ? plugins.modes().get("http") : null,
                httpRules, d.options.keySet());
    }

    /**
     * {@code http-request ACTION [args] [if|unless COND]} lines of a proxy in mode http. A
     * pending action keeps the proxy unserved: it may be an access rule ({@code deny}).
     */
    private List<HttpRule> httpRules(Draft d) {
        List<HttpRule> out = new ArrayList<>();
        if (!d.mode.equals("http")) {
            return out;
        }
        for (ConfigLine line : d.httpRules) {
            List<String> w = line.words();
            String keyword = w.get(1);
            HttpActionProvider provider = plugins.httpActions().get(keyword);
            if (provider == null) {
                String bundle = KeywordCatalog.HTTP_ACTIONS.get(keyword);
                if (bundle == null) {
                    error(line, "unknown 'http-request' action '" + keyword + "'");
                    continue;
                }
                String reason = missing("http-request action", keyword, bundle).getMessage() + "; '" + d.name()
                        + "' is not served until then";
                pending(line, reason);
                d.pendingReason = d.pendingReason == null ? reason : d.pendingReason;
                continue;
            }
            LineWords words = new LineWords(line, 2);
            words.stopAt("if", "unless");
            HttpAction action;
            try {
                action = provider.parse(keyword, words, context(line));
            } catch (ConfigException e) {
                error(line, e.getMessage());
                continue;
            }
            if (words.hasNext()) {
                error(line, "unexpected '" + words.peek() + "' after '" + keyword + "'");
                continue;
            }
            Condition condition = Condition.ALWAYS;
            if (words.index < w.size()) {
                Compiled c;
                try {
                    c = conditionOrPending(d, line, w, words.index);
                } catch (PendingException e) {
                    String reason = e.getMessage() + "; '" + d.name() + "' is not served until then";
                    pending(line, reason);
                    d.pendingReason = d.pendingReason == null ? reason : d.pendingReason;
                    continue;
                }
                if (c == null) {
                    continue;
                }
                condition = c.condition();
            }
            out.add(new HttpRule(action, condition, line.location()));
        }
        return out;
    }

    /**
     * {@code tcp-request connection accept|reject|ACTION [args] [if|unless COND]}. Conditions
     * here are evaluated at accept, before any byte is read, so they may use only fetches that
     * need no sniffer. A pending action keeps the frontend unserved, as a pending access rule.
     */
    private ConnectionRule connectionRule(Draft d, ConfigLine line) {
        List<String> w = line.words();
        String actionWord = w.get(2);
        ConnectionAction action = null;
        int next = 3;
        if (!actionWord.equals("accept") && !actionWord.equals("reject")) {
            ConnectionActionProvider provider = plugins.connectionActions().get(actionWord);
            if (provider == null) {
                String bundle = KeywordCatalog.CONNECTION_ACTIONS.get(actionWord);
                if (bundle == null) {
                    error(line, "unknown 'tcp-request connection' action '" + actionWord + "'");
                    return null;
                }
                String reason = missing("tcp-request connection action", actionWord, bundle).getMessage()
                        + "; frontend '" + d.name() + "' is not served until then";
                pending(line, reason);
                d.pendingReason = d.pendingReason == null ? reason : d.pendingReason;
                return null;
            }
            LineWords words = new LineWords(line, 3);
            words.stopAt("if", "unless");
            try {
                action = provider.parse(actionWord, words, context(line));
            } catch (ConfigException e) {
                error(line, e.getMessage());
                return null;
            }
            if (words.hasNext()) {
                error(line, "unexpected '" + words.peek() + "' after '" + actionWord + "'");
                return null;
            }
            next = words.index;
        }
        Condition condition = Condition.ALWAYS;
        if (next < w.size()) {
            Compiled c;
            try {
                c = conditionOrPending(d, line, w, next);
            } catch (PendingException e) {
                String reason = e.getMessage() + "; frontend '" + d.name() + "' is not served until then";
                pending(line, reason);
                d.pendingReason = d.pendingReason == null ? reason : d.pendingReason;
                return null;
            }
            if (c == null) {
                return null;
            }
            if (c.snifferMask() != 0 || usesWaitEnd(w, next)) {
                error(line, "'tcp-request connection' rules are evaluated at accept and can only use fetches known "
                        + "then (src, dst, src_port, dst_port, ssl_fc); use 'tcp-request content' for the rest");
                return null;
            }
            condition = c.condition();
        }
        return new ConnectionRule(action, actionWord.equals("accept"), condition, line.location());
    }

    private static boolean usesWaitEnd(List<String> w, int from) {
        return w.subList(from, w.size()).stream().anyMatch(x -> x.equals("WAIT_END") || x.equals("!WAIT_END"));
    }

    private List<BindSpec> binds(Draft d, ConfigLine line) {
        List<String> w = line.words();
        if (w.size() < 2) {
            error(line, "'bind' needs an address, e.g. 'bind :8443' or 'bind ipv6@:443'");
            return List.of();
        }
        List<BindOption> options = new ArrayList<>();
        boolean tls = false;
        Boolean v6only = null;
        LineWords words = new LineWords(line, 2);
        ConfigContext context = context(line);
        while (words.hasNext()) {
            String keyword = words.peek();
            words.skip();
            BindOptionProvider provider = plugins.bindOptions().get(keyword);
            try {
                if (provider != null) {
                    BindOption option = provider.parse(keyword, words, context);
                    options.add(option);
                    tls |= option.terminatesTls();
                } else if (keyword.equals("name") || keyword.equals("id")) {
                    words.next("a value for " + keyword);
                } else if (KeywordCatalog.BIND_OPTIONS.containsKey(keyword)) {
                    String reason = missing("bind option", keyword, KeywordCatalog.BIND_OPTIONS.get(keyword)).getMessage()
                            + "; this bind is not opened until then";
                    pending(line, reason);
                    d.pendingReason = d.pendingReason == null ? reason : d.pendingReason;
                    return List.of();
                } else {
                    throw new ConfigException("unknown bind option '" + keyword + "'");
                }
            } catch (ConfigException e) {
                error(line, e.getMessage());
                return List.of();
            }
        }
        List<BindSpec> specs = new ArrayList<>();
        for (String spec : w.get(1).split(",")) {
            try {
                Addresses.Parsed parsed = Addresses.parse(spec, true);
                StandardProtocolFamily family = parsed.family();
                Boolean only = v6only;
                if (parsed.forcedFamily() == StandardProtocolFamily.INET6) {
                    // ipv6@ says "IPv6": keep IPv4 clients off this socket so that an ipv4@ bind on
                    // the same port can coexist (the article binds both). v4v6 overrides.
                    only = Boolean.TRUE;
                }
                String key = String.join(" ", w.subList(1, w.size())) + "|" + spec;
                specs.add(new BindSpec(key, parsed.address(), family, only, options.toArray(new BindOption[0]), tls,
                        line.location()));
            } catch (ConfigException e) {
                error(line, e.getMessage());
            }
        }
        return specs;
    }

    // ------------------------------------------------------------------ conditions

    /** Compiles a condition; a pending keyword is reported and the rule dropped (null). */
    private Compiled condition(Draft d, ConfigLine line, List<String> w, int ifIndex) {
        try {
            return conditionOrPending(d, line, w, ifIndex);
        } catch (PendingException e) {
            pending(line, e.getMessage() + "; this rule is skipped until then");
            return null;
        }
    }

    /**
     * Compiles {@code if|unless COND} starting at {@code ifIndex}. Errors are reported and give
     * null; a keyword of an absent bundle throws {@link PendingException}.
     */
    private Compiled conditionOrPending(Draft d, ConfigLine line, List<String> w, int ifIndex) throws PendingException {
        boolean unless = w.get(ifIndex).equals("unless");
        if (!unless && !w.get(ifIndex).equals("if")) {
            error(line, "expected 'if' or 'unless', got '" + w.get(ifIndex) + "'");
            return null;
        }
        if (ifIndex + 1 >= w.size()) {
            error(line, "'" + w.get(ifIndex) + "' needs a condition");
            return null;
        }
        try {
            Compiled c = parseOr(d, line, w.subList(ifIndex + 1, w.size()));
            return unless ? new Compiled(new Condition.Not(c.condition()), c.snifferMask()) : c;
        } catch (ConfigException e) {
            error(line, e.getMessage());
            return null;
        }
    }

    /**
     * HAProxy manual 7.2: terms separated by {@code or} / {@code ||}; within a group terms are
     * ANDed by juxtaposition; {@code !} negates the next term; {@code { ... }} is an anonymous
     * ACL. Junction also accepts an anonymous ACL without braces (as the article writes
     * {@code use-server app1 if hdr_dom(host) -i app1.example.com}): it extends to the next
     * {@code or} or the end of the line.
     */
    private Compiled parseOr(Draft d, ConfigLine line, List<String> w) throws ConfigException, PendingException {
        List<Condition> groups = new ArrayList<>();
        List<Condition> terms = new ArrayList<>();
        long mask = 0;
        int i = 0;
        while (i < w.size()) {
            String word = w.get(i);
            if (word.equals("or") || word.equals("||")) {
                if (terms.isEmpty()) {
                    throw new ConfigException("'" + word + "' without a condition before it");
                }
                groups.add(Condition.and(terms));
                terms = new ArrayList<>();
                i++;
                continue;
            }
            boolean negate = false;
            while (word.startsWith("!")) {
                negate = !negate;
                if (word.length() == 1) {
                    if (++i >= w.size()) {
                        throw new ConfigException("'!' at the end of the condition");
                    }
                    word = w.get(i);
                } else {
                    word = word.substring(1);
                }
            }
            Compiled term;
            if (word.equals("{")) {
                int close = w.subList(i, w.size()).indexOf("}");
                if (close < 0) {
                    throw new ConfigException("'{' without a matching '}'");
                }
                close += i;
                if (close == i + 1) {
                    throw new ConfigException("empty '{ }'");
                }
                term = acl(d, line, w.subList(i + 1, close), "{ " + String.join(" ", w.subList(i + 1, close)) + " }");
                i = close + 1;
            } else if (d.acls.containsKey(word)) {
                term = namedAcl(d, word);
                i++;
            } else if (predefined(word) != null) {
                term = new Compiled(predefined(word), 0);
                i++;
            } else if (word.equals("}")) {
                throw new ConfigException("'}' without a matching '{'");
            } else if (looksLikeFetch(word)) {
                int end = i + 1;
                while (end < w.size() && !w.get(end).equals("or") && !w.get(end).equals("||")) {
                    end++;
                }
                List<String> body = new ArrayList<>(w.subList(i, end));
                body.set(0, word);
                term = acl(d, line, body, String.join(" ", body));
                i = end;
            } else {
                throw new ConfigException("unknown ACL '" + word + "' (declare it with 'acl " + word + " FETCH PATTERN'"
                        + " in '" + d.name() + "', or write the fetch itself)");
            }
            mask |= term.snifferMask();
            terms.add(negate ? new Condition.Not(term.condition()) : term.condition());
        }
        if (terms.isEmpty()) {
            throw new ConfigException("condition ends with 'or'");
        }
        groups.add(Condition.and(terms));
        return new Compiled(Condition.or(groups), mask);
    }

    /** HAProxy's predefined ACLs that need no plugin (manual 7.4). */
    private static Condition predefined(String word) {
        return switch (word) {
            case "TRUE" -> Condition.TRUE;
            case "FALSE" -> Condition.FALSE;
            case "WAIT_END" -> Condition.WAIT_END;
            default -> null;
        };
    }

    private boolean looksLikeFetch(String word) {
        String name = word;
        int end = name.length();
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) == '(' || name.charAt(i) == ',') {
                end = i;
                break;
            }
        }
        return end > 0 && resolvable(name.substring(0, end));
    }

    private boolean resolvable(String name) {
        if (Builtins.FETCHES.contains(name) || plugins.fetches().containsKey(name)
                || KeywordCatalog.FETCHES.containsKey(name)) {
            return true;
        }
        int underscore = name.lastIndexOf('_');
        return underscore > 0 && KeywordCatalog.isMethodSuffix(name.substring(underscore + 1))
                && resolvable(name.substring(0, underscore));
    }

    /** A named ACL: all its lines ORed (HAProxy: several acl lines with one name). */
    private Compiled namedAcl(Draft d, String name) throws ConfigException, PendingException {
        Compiled cached = d.aclCache.get(name);
        if (cached != null) {
            return cached;
        }
        List<Condition> alternatives = new ArrayList<>();
        long mask = 0;
        for (ConfigLine line : d.acls.get(name)) {
            List<String> w = line.words();
            Compiled c;
            try {
                c = acl(d, line, w.subList(2, w.size()), name);
            } catch (ConfigException e) {
                throw new ConfigException("acl '" + name + "' (" + line.location() + "): " + e.getMessage());
            }
            alternatives.add(c.condition());
            mask |= c.snifferMask();
        }
        Compiled result = new Compiled(Condition.or(alternatives), mask);
        d.aclCache.put(name, result);
        return result;
    }

    /**
     * One ACL body: {@code FETCH [flags] [-m METHOD] [--] PATTERN...} (HAProxy manual 7.1).
     * Flags: {@code -i} ignore case, {@code -m} method, {@code -f FILE} patterns from a file
     * (one per line, {@code #} comments), {@code -n} (no DNS; accepted), {@code --} ends flags.
     */
    private Compiled acl(Draft d, ConfigLine line, List<String> body, String text) throws ConfigException, PendingException {
        String expression = body.get(0);
        boolean ignoreCase = false;
        String method = null;
        List<String> patterns = new ArrayList<>();
        int i = 1;
        for (; i < body.size(); i++) {
            String f = body.get(i);
            if (!f.startsWith("-") || f.length() < 2 || Character.isDigit(f.charAt(1))) {
                break;
            }
            switch (f) {
                case "-i" -> ignoreCase = true;
                case "-n", "-u" -> {
                }
                case "-m" -> {
                    if (++i >= body.size()) {
                        throw new ConfigException("-m needs a match method");
                    }
                    method = body.get(i);
                }
                case "-f" -> {
                    if (++i >= body.size()) {
                        throw new ConfigException("-f needs a file");
                    }
                    patterns.addAll(patternFile(line, body.get(i)));
                }
                case "--" -> {
                    i++;
                    patterns.addAll(body.subList(i, body.size()));
                    i = body.size();
                }
                default -> throw new ConfigException("unknown ACL flag '" + f + "'");
            }
            if (i >= body.size()) {
                break;
            }
        }
        if (i < body.size()) {
            patterns.addAll(body.subList(i, body.size()));
        }
        FetchRef fetch = fetch(line, expression);
        if (method == null) {
            method = fetch.impliedMethod;
        }
        if (method == null) {
            SampleType type = fetch.fetch.type();
            method = type == SampleType.BOOLEAN && patterns.isEmpty() ? "bool" : type.defaultMethod();
        }
        if (patterns.isEmpty() && !method.equals("bool") && !method.equals("found")) {
            throw new ConfigException("'" + text + "' has no pattern to match (add one, or use -m found)");
        }
        MatcherFactory factory = Builtins.METHODS.contains(method) ? Builtins.MATCHER_FACTORY : plugins.matchers().get(method);
        if (factory == null) {
            String bundle = KeywordCatalog.METHODS.get(method);
            if (bundle == null) {
                throw new ConfigException("unknown match method '" + method + "'");
            }
            throw missing("match method", method, bundle);
        }
        List<String> written = List.copyOf(patterns);
        Matcher matcher = factory.compile(method, fetch.fetch.type(), written, ignoreCase, context(line));
        // str is equality (with -i: ASCII letters folded, HAProxy manual 7.1.3): a run of such
        // rules can be looked up by name (RuleList); the matcher still confirms every hit.
        List<String> exact = method.equals("str") ? written : null;
        return new Compiled(new Condition.Acl(text, fetch.fetch, matcher, fetch.snifferMask, exact), fetch.snifferMask);
    }

    private List<String> patternFile(ConfigLine line, String name) throws ConfigException {
        Path file = context(line).resolve(name);
        try {
            List<String> out = new ArrayList<>();
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String t = l.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    out.add(t);
                }
            }
            return out;
        } catch (IOException e) {
            throw new ConfigException("cannot read pattern file " + file + ": " + e.getMessage());
        }
    }

    /** A compiled fetch, the method its name implies ({@code hdr_dom}: dom), its sniffer bits. */
    private record FetchRef(Fetch fetch, String impliedMethod, long snifferMask) {
    }

    /** Compiles {@code name[(arg,...)]}; {@code name_method} forms imply a match method. */
    private FetchRef fetch(ConfigLine line, String expression) throws ConfigException, PendingException {
        String name = expression;
        List<String> args = List.of();
        int paren = expression.indexOf('(');
        if (paren >= 0) {
            if (!expression.endsWith(")")) {
                if (expression.indexOf(')') > 0 && expression.indexOf(',', expression.indexOf(')')) > 0) {
                    throw new ConfigException("'" + expression + "': converters are not supported yet");
                }
                throw new ConfigException("'" + expression + "': missing ')'");
            }
            name = expression.substring(0, paren);
            String inside = expression.substring(paren + 1, expression.length() - 1);
            args = inside.isEmpty() ? List.of() : Arrays.asList(inside.split(",", -1));
        } else if (expression.contains(",")) {
            throw new ConfigException("'" + expression + "': converters are not supported yet");
        }
        String implied = null;
        FetchProvider provider = provider(name);
        if (provider == null && !KeywordCatalog.FETCHES.containsKey(name)) {
            int underscore = name.lastIndexOf('_');
            if (underscore > 0 && KeywordCatalog.isMethodSuffix(name.substring(underscore + 1))) {
                implied = name.substring(underscore + 1);
                name = name.substring(0, underscore);
                provider = provider(name);
            }
        }
        if (provider == null) {
            String bundle = KeywordCatalog.FETCHES.get(name);
            if (bundle == null) {
                throw new ConfigException("unknown fetch '" + name + "'");
            }
            throw missing("fetch", name, bundle);
        }
        Fetch fetch = provider.compile(name, args, context(line));
        long mask = 0;
        if (provider instanceof Sniffer sniffer) {
            Integer bit = snifferBits.get(sniffer);
            if (bit == null) {
                if (snifferBits.size() >= 64) {
                    throw new ConfigException("more than 64 sniffers in one configuration");
                }
                bit = snifferBits.size();
                snifferBits.put(sniffer, bit);
            }
            mask = 1L << bit;
        }
        return new FetchRef(fetch, implied, mask);
    }

    private FetchProvider provider(String name) {
        if (Builtins.FETCHES.contains(name)) {
            return Builtins.FETCH_PROVIDER;
        }
        return plugins.fetches().get(name);
    }

    // ------------------------------------------------------------------ plugin context

    private ConfigContext context(ConfigLine line) {
        return new ConfigContext() {
            @Override
            public String location() {
                return line.location();
            }

            @Override
            public Path resolve(String path) {
                Path p = Path.of(path);
                if (p.isAbsolute()) {
                    return p;
                }
                Path dir = line.file().toAbsolutePath().getParent();
                return dir == null ? p : dir.resolve(p);
            }

            @Override
            public Fetch fetch(String expression) throws ConfigException {
                try {
                    return ConfigCompiler.this.fetch(line, expression).fetch();
                } catch (PendingException e) {
                    throw new ConfigException(e.getMessage());
                }
            }
        };
    }

    /** The words after a keyword, for option parsers. */
    private static final class LineWords implements Words {
        private final ConfigLine line;
        private int index;
        private int end;

        LineWords(ConfigLine line, int start) {
            this.line = line;
            this.index = start;
            this.end = line.words().size();
        }

        /** The words end before the first of these (a condition that follows an action). */
        void stopAt(String... stops) {
            for (int i = index; i < end; i++) {
                if (List.of(stops).contains(line.words().get(i))) {
                    end = i;
                    return;
                }
            }
        }

        @Override
        public boolean hasNext() {
            return index < end;
        }

        @Override
        public String peek() {
            return hasNext() ? line.words().get(index) : null;
        }

        @Override
        public String next(String what) throws ConfigException {
            if (!hasNext()) {
                throw new ConfigException("missing " + what + " after '" + line.words().get(index - 1) + "'");
            }
            return line.words().get(index++);
        }

        void skip() {
            index++;
        }

        void skipAll() {
            index = end;
        }
    }
}
