package io.junction.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/junction check-transparent [--v6] [--remote] [--alias CIDR ...]}: inspects this host
 * (or the network namespace it runs in) for what transparent proxying with
 * {@code source ... usesrc client|clientip} needs outside Junction, prints what is present and
 * what is missing with the exact commands that add it (those of docs/transparent.md), and exits
 * 0 when everything for the chosen case is present, 1 otherwise, 2 on a usage error. It starts
 * no OSGi framework.
 *
 * <p>Cases:
 * <ul>
 *   <li>remote backends (default; {@code --v6} adds IPv6): {@code ip_nonlocal_bind}, the mangle
 *       table's DIVERT chain fed by the {@code socket} match and marking packets, the
 *       {@code fwmark} rule and the {@code local} default route of its table;</li>
 *   <li>local backends on a loopback alias ({@code --alias 203.0.113.1/24}, repeatable, IPv4 or
 *       IPv6): the alias on {@code lo}, the {@code from ALIAS-NETWORK} rule and the
 *       {@code local} default route of its table. {@code --remote} checks the remote case
 *       too.</li>
 * </ul>
 * Both cases need CAP_NET_ADMIN (in the effective set of this JVM, which is the java that
 * bin/junction runs) and {@code lo} up.
 *
 * <p>The inspection reads files and runs {@code ip} and {@code iptables-save} through a
 * {@link Host}, so that tests feed it captured outputs. Main thread only; every command is
 * bounded by {@link #COMMAND_TIMEOUT_SECONDS}.
 */
public final class TransparentCheck {

    /** The sub-command's name: {@code bin/junction check-transparent}. */
    public static final String COMMAND = "check-transparent";

    /** Printed with a usage error and with --help. */
    public static final String USAGE = "usage: junction check-transparent [--v6] [--remote] [--alias CIDR ...]";

    static final String HELP = String.join("\n",
            "  Inspects this host (or the network namespace it runs in) for what 'source ... usesrc client'",
            "  needs outside Junction, and prints the commands that add what is missing (docs/transparent.md).",
            "  (no option)   remote backends, IPv4: ip_nonlocal_bind, mangle DIVERT chain with the socket match,",
            "                fwmark rule and local route table",
            "  --v6          IPv6 as well",
            "  --alias CIDR  a local backend on a loopback alias instead (e.g. 203.0.113.1/24 or",
            "                2001:db8:7f::1/64): the alias on lo, 'ip rule add from NETWORK lookup 100' and the",
            "                local route table; repeatable",
            "  --remote      with --alias: check the remote-backend case too",
            "Exit codes: 0 everything present, 1 something missing, 2 usage error.");

    /** Upper bound for one inspected command (ip, iptables-save). */
    static final long COMMAND_TIMEOUT_SECONDS = 10;

    /** The routing table the article's commands use. */
    static final int DEFAULT_TABLE = 100;

    /** The mark the article's commands set. */
    static final long DEFAULT_MARK = 1;

    private static final int CAP_NET_ADMIN = 12;

    /** What the check reads from the host; tests replace it with captured outputs. */
    interface Host {
        /** The text of a file, or {@code null} when it does not exist or cannot be read. */
        String read(String path);

        /**
         * Runs a command, bounded. A command that cannot run (not installed, timed out) gives
         * code -1 with the reason in {@code err}.
         */
        Output run(String... command);
    }

    /** A command's outcome. */
    record Output(int code, String out, String err) {
        boolean ok() {
            return code == 0;
        }

        String why() {
            String e = err.isBlank() ? out : err;
            return e.strip().lines().findFirst().orElse("exit code " + code);
        }
    }

    /** One inspected piece. */
    record Item(boolean ok, String what, List<String> fixes, String hint) {
        static Item ok(String what) {
            return new Item(true, what, List.of(), null);
        }

        static Item missing(String what, List<String> fixes, String hint) {
            return new Item(false, what, List.copyOf(fixes), hint);
        }
    }

    /** A titled group of items. */
    record Section(String title, List<Item> items) {
    }

    /** A loopback alias: its address, prefix length and network, as written for ip. */
    record Alias(InetAddress address, int prefix) {
        boolean v6() {
            return address instanceof Inet6Address;
        }

        String cidr() {
            return Prefix.text(address) + "/" + prefix;
        }

        InetAddress network() {
            return Prefix.network(address, prefix);
        }

        String networkCidr() {
            return Prefix.text(network()) + "/" + prefix;
        }
    }

    /** Parsed command line. */
    record Options(boolean v6, boolean remote, List<Alias> aliases, boolean help) {
        boolean remoteCase() {
            return aliases.isEmpty() || remote;
        }
    }

    /** A usage error. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private TransparentCheck() {
    }

    /**
     * Main thread: runs the check on this host and prints the report to {@code out}. May block
     * for the commands it runs (each bounded).
     *
     * @param args the words after {@code check-transparent}
     * @return the exit code: 0 all present, 1 something missing, 2 usage error
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = parse(args);
        } catch (UsageException e) {
            err.println("junction " + COMMAND + ": " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (options.help()) {
            out.println(USAGE);
            out.println(HELP);
            return 0;
        }
        return report(inspect(options, new SystemHost()), options, out);
    }

    /** A server line's {@code usesrc}, outside comments. */
    private static final Pattern USESRC = Pattern.compile("^[^#]*\\busesrc\\b", Pattern.MULTILINE);

    /**
     * At start-up, for configurations that use {@code usesrc}: the same inspection as the
     * command (the remote-backend case, IPv4 and IPv6 when any server is IPv6), as warning
     * lines naming what is missing. Empty when nothing is missing or nothing is transparent.
     * Runs before the framework starts; bounded by the per-command timeout.
     */
    static List<String> startupWarnings(List<java.nio.file.Path> configs, Host host) {
        boolean transparent = false;
        boolean v6 = false;
        for (java.nio.file.Path p : configs) {
            String text = host.read(p.toString());
            if (text != null && USESRC.matcher(text).find()) {
                transparent = true;
                v6 |= text.lines().anyMatch(l -> USESRC.matcher(l).find() && l.contains("::"));
            }
        }
        List<String> warnings = new java.util.ArrayList<>();
        if (!transparent) {
            return warnings;
        }
        for (Section section : inspect(new Options(v6, true, List.of(), false), host)) {
            for (Item item : section.items()) {
                if (!item.ok()) {
                    warnings.add("warning: transparent proxying (usesrc): " + item.what()
                            + " is missing; 'bin/junction check-transparent" + (v6 ? " --v6" : "")
                            + "' prints the commands to fix it");
                }
            }
        }
        return warnings;
    }

    /** The real host, for callers outside this class. */
    static Host systemHost() {
        return new SystemHost();
    }

    static Options parse(String[] args) throws UsageException {
        boolean v6 = false;
        boolean remote = false;
        boolean help = false;
        List<Alias> aliases = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--v6", "-6" -> v6 = true;
                case "--remote" -> remote = true;
                case "--help", "-h" -> help = true;
                case "--alias" -> {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--alias needs a CIDR, e.g. --alias 203.0.113.1/24");
                    }
                    aliases.add(alias(args[++i]));
                }
                default -> {
                    if (a.startsWith("--alias=")) {
                        aliases.add(alias(a.substring("--alias=".length())));
                    } else {
                        throw new UsageException("unknown argument: " + a);
                    }
                }
            }
        }
        return new Options(v6, remote, List.copyOf(aliases), help);
    }

    private static Alias alias(String cidr) throws UsageException {
        Prefix p = Prefix.parse(cidr);
        if (p == null || !cidr.contains("/")) {
            throw new UsageException("--alias '" + cidr + "': expected ADDRESS/PREFIX, e.g. 203.0.113.1/24 or 2001:db8:7f::1/64");
        }
        return new Alias(p.address(), p.length());
    }

    // ------------------------------------------------------------------------------ inspect

    /** Main thread: inspects the host for the chosen cases. */
    static List<Section> inspect(Options options, Host host) {
        List<Section> sections = new ArrayList<>();
        sections.add(new Section("process and loopback", List.of(capability(host), loopbackUp(host))));
        if (options.remoteCase()) {
            sections.add(remote(host, false));
            if (options.v6()) {
                sections.add(remote(host, true));
            }
        }
        for (Alias alias : options.aliases()) {
            sections.add(local(host, alias));
        }
        return sections;
    }

    static Item capability(Host host) {
        String status = host.read("/proc/self/status");
        Long eff = null;
        if (status != null) {
            Matcher m = Pattern.compile("(?m)^CapEff:\\s*([0-9a-fA-F]{1,16})\\s*$").matcher(status);
            if (m.find()) {
                eff = Long.parseUnsignedLong(m.group(1), 16);
            }
        }
        if (eff == null) {
            return Item.missing("cannot read CapEff from /proc/self/status (not Linux?): cannot tell whether"
                    + " CAP_NET_ADMIN is available", List.of(), null);
        }
        if ((eff & (1L << CAP_NET_ADMIN)) != 0) {
            return Item.ok("CAP_NET_ADMIN is in this java's effective capabilities (IP_TRANSPARENT can be set)");
        }
        String java = ProcessHandle.current().info().command().orElse("/path/to/bin/java");
        return Item.missing(String.format("CAP_NET_ADMIN is missing from this java's effective capabilities (CapEff %016x):"
                + " usesrc needs it to set IP_TRANSPARENT", eff), List.of(),
                "run junction as root, or grant it: setcap cap_net_admin+ep " + java
                        + " / AmbientCapabilities=CAP_NET_ADMIN in its systemd unit");
    }

    static Item loopbackUp(Host host) {
        Output o = host.run("ip", "-o", "link", "show", "dev", "lo");
        if (!o.ok()) {
            return Item.missing("cannot inspect lo: ip -o link show dev lo: " + o.why(), List.of("ip link set lo up"),
                    "install iproute2");
        }
        Matcher m = Pattern.compile("<([^>]*)>").matcher(o.out());
        boolean up = m.find() && List.of(m.group(1).split(",")).contains("UP");
        return up ? Item.ok("loopback interface lo is up")
                : Item.missing("loopback interface lo is down", List.of("ip link set lo up"), null);
    }

    /** The remote-backend case of one family: sysctl, netfilter, fwmark rule, local route. */
    static Section remote(Host host, boolean v6) {
        String fam = v6 ? "IPv6" : "IPv4";
        List<Item> items = new ArrayList<>();
        String sysctl = v6 ? "net.ipv6.ip_nonlocal_bind" : "net.ipv4.ip_nonlocal_bind";
        String value = host.read("/proc/sys/" + sysctl.replace('.', '/'));
        String fixSysctl = "sysctl -w " + sysctl + "=1";
        if (value == null) {
            items.add(Item.missing(sysctl + " cannot be read", List.of(fixSysctl), null));
        } else if (value.strip().equals("1")) {
            items.add(Item.ok(sysctl + " = 1"));
        } else {
            items.add(Item.missing(sysctl + " = " + value.strip() + " (want 1)", List.of(fixSysctl), null));
        }

        Divert divert = divert(host, v6, items);
        long mark = divert.mark;

        String ip = v6 ? "ip -6" : "ip";
        List<Rule> rules = rules(host, v6);
        Integer table = null;
        if (rules == null) {
            items.add(Item.missing("cannot inspect the " + fam + " routing rules (" + ip + " rule show)",
                    List.of(ip + " rule add fwmark " + mark + " lookup " + DEFAULT_TABLE), "install iproute2"));
        } else {
            for (Rule r : rules) {
                if (r.from == null && r.fwmark != null && (mark & r.fwmask) == (r.fwmark & r.fwmask) && r.table != null) {
                    table = r.table;
                    break;
                }
            }
            if (table != null) {
                items.add(Item.ok(fam + " rule: fwmark 0x" + Long.toHexString(mark) + " lookup " + table));
            } else {
                items.add(Item.missing(fam + " rule 'fwmark 0x" + Long.toHexString(mark) + " lookup TABLE' is missing"
                        + " (marked answers are not routed to this host)",
                        List.of(ip + " rule add fwmark " + mark + " lookup " + DEFAULT_TABLE), null));
            }
        }
        items.add(localRoute(host, v6, table == null ? DEFAULT_TABLE : table));
        return new Section("remote backends, " + fam + ": the backends' answers to client addresses come back"
                + " to this host", items);
    }

    /** The local-backend case of one alias: the alias, its source rule, the local route. */
    static Section local(Host host, Alias alias) {
        boolean v6 = alias.v6();
        String fam = v6 ? "IPv6" : "IPv4";
        String ip = v6 ? "ip -6" : "ip";
        List<Item> items = new ArrayList<>();
        Output addr = host.run("ip", "-o", v6 ? "-6" : "-4", "addr", "show", "dev", "lo");
        String addFix = v6 ? "ip -6 addr add " + alias.cidr() + " dev lo"
                : "ip addr add " + alias.cidr() + " dev lo scope host";
        if (!addr.ok()) {
            items.add(Item.missing("cannot inspect the addresses of lo: " + addr.why(), List.of(addFix), "install iproute2"));
        } else {
            boolean found = false;
            Matcher m = Pattern.compile("\\binet6?\\s+(\\S+)/(\\d+)").matcher(addr.out());
            while (m.find()) {
                Prefix p = Prefix.parse(m.group(1) + "/" + m.group(2));
                if (p != null && p.address().equals(alias.address()) && p.length() == alias.prefix()) {
                    found = true;
                }
            }
            items.add(found ? Item.ok("alias " + alias.cidr() + " on lo")
                    : Item.missing("alias " + alias.cidr() + " is not on lo", List.of(addFix), null));
        }
        List<Rule> rules = rules(host, v6);
        Integer table = null;
        String ruleFix = ip + " rule add from " + alias.networkCidr() + " lookup " + DEFAULT_TABLE;
        if (rules == null) {
            items.add(Item.missing("cannot inspect the " + fam + " routing rules (" + ip + " rule show)", List.of(ruleFix),
                    "install iproute2"));
        } else {
            for (Rule r : rules) {
                if (r.from != null && r.fwmark == null && r.table != null && r.from.contains(alias.network(), alias.prefix())) {
                    table = r.table;
                    break;
                }
            }
            if (table != null) {
                items.add(Item.ok(fam + " rule: from " + alias.networkCidr() + " lookup " + table));
            } else {
                items.add(Item.missing(fam + " rule 'from " + alias.networkCidr() + " lookup TABLE' is missing (the"
                        + " local backend's answers are not delivered to Junction's transparent socket)",
                        List.of(ruleFix), null));
            }
        }
        items.add(localRoute(host, v6, table == null ? DEFAULT_TABLE : table));
        return new Section("local backends on the loopback alias " + alias.cidr() + ", " + fam, items);
    }

    private static Item localRoute(Host host, boolean v6, int table) {
        String ip = v6 ? "ip -6" : "ip";
        String fix = ip + " route add local " + (v6 ? "::/0" : "0.0.0.0/0") + " dev lo table " + table;
        Output o = host.run("ip", v6 ? "-6" : "-4", "route", "show", "table", Integer.toString(table));
        // An empty table does not exist yet: ip answers "FIB table does not exist" with exit 2.
        boolean noTable = !o.ok() && (o.err().contains("does not exist") || o.err().contains("Dump terminated"));
        if (!o.ok() && !noTable) {
            return Item.missing("cannot inspect routing table " + table + ": " + o.why(), List.of(fix), "install iproute2");
        }
        Pattern route = Pattern.compile("(?m)^local\\s+(default|0\\.0\\.0\\.0/0|::/0)\\s+dev\\s+lo\\b");
        if (!noTable && route.matcher(o.out()).find()) {
            return Item.ok((v6 ? "IPv6" : "IPv4") + " table " + table + ": local default dev lo");
        }
        return Item.missing((v6 ? "IPv6" : "IPv4") + " table " + table + " has no 'local default dev lo' route (packets"
                + " sent there are not delivered locally)", List.of(fix), null);
    }

    // --------------------------------------------------------------------------- netfilter

    /** What the mangle table holds for the socket match: the mark it sets (or the default). */
    record Divert(long mark) {
    }

    /**
     * Inspects {@code iptables-save -t mangle} (or ip6tables-save) for the article's rules:
     * <pre>
     *   -A PREROUTING -p tcp -m socket -j DIVERT
     *   -A DIVERT -j MARK --set-xmark 0x1/0xffffffff
     *   -A DIVERT -j ACCEPT
     * </pre>
     * A PREROUTING socket rule that jumps to another marking chain, or marks itself, counts too.
     */
    static Divert divert(Host host, boolean v6, List<Item> items) {
        String save = v6 ? "ip6tables-save" : "iptables-save";
        String ipt = v6 ? "ip6tables" : "iptables";
        String fam = v6 ? "IPv6" : "IPv4";
        List<String> allFixes = List.of(
                ipt + " -t mangle -N DIVERT",
                ipt + " -t mangle -A PREROUTING -p tcp -m socket -j DIVERT",
                ipt + " -t mangle -A DIVERT -j MARK --set-mark " + DEFAULT_MARK,
                ipt + " -t mangle -A DIVERT -j ACCEPT");
        Output o = host.run(save, "-t", "mangle");
        if (!o.ok()) {
            items.add(Item.missing("cannot inspect the " + fam + " mangle table (" + save + " -t mangle: " + o.why() + ")",
                    allFixes, o.code() == -1 ? "install iptables (it provides " + save + " and " + ipt + ")"
                            : "run the check as root"));
            return new Divert(DEFAULT_MARK);
        }
        Map<String, List<String>> chains = new LinkedHashMap<>();
        for (String line : o.out().split("\n")) {
            line = line.strip();
            if (line.startsWith(":")) {
                chains.computeIfAbsent(line.substring(1).split("\\s+")[0], k -> new ArrayList<>());
            } else if (line.startsWith("-A ")) {
                String[] w = line.split("\\s+", 3);
                if (w.length == 3) {
                    chains.computeIfAbsent(w[1], k -> new ArrayList<>()).add(w[2]);
                }
            }
        }
        // The PREROUTING rule with the socket match, and where it jumps.
        String target = null;
        Long directMark = null;
        for (String rule : chains.getOrDefault("PREROUTING", List.of())) {
            if (rule.matches(".*(^|\\s)-m socket(\\s.*|$)")) {
                String t = word(rule, "-j");
                if ("MARK".equals(t)) {
                    directMark = markOf(rule);
                    target = t;
                    break;
                }
                if (t != null && chains.containsKey(t)) {
                    target = t;
                    break;
                }
            }
        }
        if (directMark != null) {
            items.add(Item.ok(fam + " mangle PREROUTING marks packets of local sockets (-m socket -j MARK 0x"
                    + Long.toHexString(directMark) + ")"));
            return new Divert(directMark);
        }
        String chain = target != null ? target : "DIVERT";
        boolean exists = chains.containsKey(chain);
        List<String> rules = chains.getOrDefault(chain, List.of());
        Long mark = null;
        for (String rule : rules) {
            if ("MARK".equals(word(rule, "-j"))) {
                mark = markOf(rule);
                break;
            }
        }
        boolean accepts = rules.stream().anyMatch(r -> "ACCEPT".equals(word(r, "-j")));
        items.add(exists ? Item.ok(fam + " mangle chain " + chain + " exists")
                : Item.missing(fam + " mangle chain DIVERT does not exist", List.of(allFixes.get(0)), null));
        items.add(target != null ? Item.ok(fam + " mangle PREROUTING sends packets of local sockets to " + chain
                + " (-m socket)")
                : Item.missing(fam + " mangle PREROUTING has no '-p tcp -m socket -j DIVERT' rule (answers to"
                        + " transparent sockets are not recognised)", List.of(allFixes.get(1)), null));
        if (mark != null) {
            items.add(Item.ok(fam + " mangle chain " + chain + " marks them 0x" + Long.toHexString(mark)
                    + (accepts ? " and accepts them" : "")));
        } else {
            List<String> fixes = rules.isEmpty()
                    ? List.of(allFixes.get(2), allFixes.get(3))
                    // Rules exist (an ACCEPT, perhaps): the mark must come before them.
                    : List.of(ipt + " -t mangle -I " + chain + " 1 -j MARK --set-mark " + DEFAULT_MARK);
            items.add(Item.missing(fam + " mangle chain " + chain + " does not mark packets (MARK --set-mark "
                    + DEFAULT_MARK + ")", fixes, null));
        }
        return new Divert(mark != null ? mark : DEFAULT_MARK);
    }

    /** The word after {@code flag} in an iptables-save rule, or null. */
    private static String word(String rule, String flag) {
        String[] w = rule.split("\\s+");
        for (int i = 0; i + 1 < w.length; i++) {
            if (w[i].equals(flag)) {
                return w[i + 1];
            }
        }
        return null;
    }

    /** The mark of {@code -j MARK --set-xmark V/M} or {@code --set-mark V}; default when unreadable. */
    private static long markOf(String rule) {
        String v = word(rule, "--set-xmark");
        if (v == null) {
            v = word(rule, "--set-mark");
        }
        if (v == null) {
            return DEFAULT_MARK;
        }
        Long n = number(v.split("/")[0]);
        return n == null ? DEFAULT_MARK : n;
    }

    private static Long number(String s) {
        try {
            return s.startsWith("0x") || s.startsWith("0X") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------ ip rule

    /** One {@code ip rule} line: its source prefix (null for all), fwmark/mask and table. */
    record Rule(Prefix from, Long fwmark, long fwmask, Integer table) {
    }

    /**
     * Parses {@code ip -4|-6 rule show}, e.g.
     * <pre>
     *   32764:	from 203.0.113.0/24 lookup 100
     *   32765:	from all fwmark 0x1 lookup 100
     * </pre>
     *
     * @return the rules, or null when ip could not run
     */
    static List<Rule> rules(Host host, boolean v6) {
        Output o = host.run("ip", v6 ? "-6" : "-4", "rule", "show");
        if (!o.ok()) {
            return null;
        }
        List<Rule> rules = new ArrayList<>();
        for (String line : o.out().split("\n")) {
            String[] w = line.strip().split("\\s+");
            if (w.length < 2 || !w[0].endsWith(":")) {
                continue;
            }
            Prefix from = null;
            Long fwmark = null;
            long fwmask = 0xffffffffL;
            Integer table = null;
            boolean skip = false;
            for (int i = 1; i < w.length; i++) {
                String k = w[i];
                String v = i + 1 < w.length ? w[i + 1] : null;
                switch (k) {
                    case "not" -> skip = true;
                    case "from" -> {
                        if (v != null && !v.equals("all")) {
                            from = Prefix.parse(v.contains("/") ? v : v + (v.contains(":") ? "/128" : "/32"));
                            skip |= from == null;
                        }
                        i++;
                    }
                    case "fwmark" -> {
                        if (v != null) {
                            String[] parts = v.split("/");
                            fwmark = number(parts[0]);
                            if (parts.length > 1 && number(parts[1]) != null) {
                                fwmask = number(parts[1]);
                            }
                            skip |= fwmark == null;
                        }
                        i++;
                    }
                    case "lookup", "table" -> {
                        table = v == null ? null : tableNumber(v);
                        i++;
                    }
                    default -> {
                        // to, iif, oif, pref, ... do not matter here
                    }
                }
            }
            if (!skip) {
                rules.add(new Rule(from, fwmark, fwmask, table));
            }
        }
        return rules;
    }

    private static Integer tableNumber(String v) {
        switch (v) {
            case "local":
                return 255;
            case "main":
                return 254;
            case "default":
                return 253;
            default:
                try {
                    return Integer.parseInt(v);
                } catch (NumberFormatException e) {
                    return null; // a name from /etc/iproute2/rt_tables: not the article's
                }
        }
    }

    // ------------------------------------------------------------------------------ report

    /** Main thread: prints the sections and the verdict; returns the exit code. */
    static int report(List<Section> sections, Options options, PrintStream out) {
        out.println("junction " + COMMAND + ": what 'source ... usesrc client' needs outside Junction"
                + " (docs/transparent.md)");
        out.println("Run the fix commands as root, in the network namespace junction runs in, in the order shown.");
        int missing = 0;
        for (Section s : sections) {
            out.println();
            out.println(s.title());
            for (Item i : s.items()) {
                out.println((i.ok() ? "  ok       " : "  MISSING  ") + i.what());
                for (String fix : i.fixes()) {
                    out.println("           fix: " + fix);
                }
                if (i.hint() != null) {
                    out.println("           hint: " + i.hint());
                }
                if (!i.ok()) {
                    missing++;
                }
            }
        }
        out.println();
        List<String> cases = new ArrayList<>();
        if (options.remoteCase()) {
            cases.add("remote backends (IPv4" + (options.v6() ? " and IPv6)" : ")"));
        }
        for (Alias a : options.aliases()) {
            cases.add("local backends on " + a.cidr());
        }
        if (missing == 0) {
            out.println("result: everything is present for " + String.join(", ", cases) + ".");
            return 0;
        }
        out.println("result: " + missing + " missing for " + String.join(", ", cases)
                + ". Run the fix commands above, then check again.");
        return 1;
    }

    // ------------------------------------------------------------------------------ prefixes

    /** An address with a prefix length; parses numeric literals only (never a DNS lookup). */
    record Prefix(InetAddress address, int length) {
        private static final Pattern V4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
        private static final Pattern V6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

        /** {@code ADDRESS/LEN}, {@code null} when malformed. */
        static Prefix parse(String s) {
            int slash = s.indexOf('/');
            String a = slash < 0 ? s : s.substring(0, slash);
            InetAddress address = literal(a);
            if (address == null) {
                return null;
            }
            int max = address instanceof Inet6Address ? 128 : 32;
            int len = max;
            if (slash >= 0) {
                try {
                    len = Integer.parseInt(s.substring(slash + 1));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            return len < 0 || len > max ? null : new Prefix(address, len);
        }

        /** Whether this prefix covers the network {@code net/len}. */
        boolean contains(InetAddress net, int len) {
            return len >= length && (net instanceof Inet6Address) == (address instanceof Inet6Address)
                    && network(net, length).equals(network(address, length));
        }

        static InetAddress literal(String a) {
            boolean v4 = V4.matcher(a).matches();
            if (!v4 && !V6.matcher(a).matches()) {
                return null;
            }
            if (v4) {
                for (String octet : a.split("\\.")) {
                    if (Integer.parseInt(octet) > 255) {
                        return null;
                    }
                }
            }
            try {
                return InetAddress.getByName(a); // a checked literal: parsed, never looked up
            } catch (UnknownHostException e) {
                return null;
            }
        }

        /** The address as ip prints it: IPv6 in the RFC 5952 short form (2001:db8::1). */
        static String text(InetAddress address) {
            if (!(address instanceof Inet6Address)) {
                return address.getHostAddress();
            }
            byte[] b = address.getAddress();
            int[] g = new int[8];
            for (int i = 0; i < 8; i++) {
                g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
            }
            // RFC 5952 section 4.2: the longest run of two or more zero groups becomes "::".
            int bestStart = -1;
            int bestLen = 1;
            for (int i = 0; i < 8;) {
                int j = i;
                while (j < 8 && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j == i ? i + 1 : j;
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                if (i == bestStart) {
                    sb.append("::");
                    i += bestLen - 1;
                    continue;
                }
                if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                    sb.append(':');
                }
                sb.append(Integer.toHexString(g[i]));
            }
            return sb.toString();
        }

        static InetAddress network(InetAddress address, int length) {
            byte[] b = address.getAddress();
            for (int i = 0; i < b.length; i++) {
                int keep = Math.max(0, Math.min(8, length - 8 * i));
                b[i] &= (byte) (0xff << (8 - keep));
            }
            try {
                return InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
    }

    // ------------------------------------------------------------------------------ the host

    /** The real host: files under /proc, commands from PATH or the sbin folders. */
    static final class SystemHost implements Host {
        private static final List<String> SBIN = List.of("/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin");

        @Override
        public String read(String path) {
            try {
                return Files.readString(Path.of(path), StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        @Override
        public Output run(String... command) {
            Path exe = find(command[0]);
            if (exe == null) {
                return new Output(-1, "", command[0] + ": command not found");
            }
            List<String> cmd = new ArrayList<>(List.of(command));
            cmd.set(0, exe.toString());
            Path out = null;
            Path err = null;
            try {
                out = Files.createTempFile("junction-check-", ".out");
                err = Files.createTempFile("junction-check-", ".err");
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                pb.environment().put("LC_ALL", "C");
                Process p = pb.start();
                if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    return new Output(-1, "", String.join(" ", command) + ": no answer within "
                            + COMMAND_TIMEOUT_SECONDS + " s");
                }
                return new Output(p.exitValue(), Files.readString(out), Files.readString(err));
            } catch (IOException e) {
                return new Output(-1, "", String.join(" ", command) + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Output(-1, "", String.join(" ", command) + ": interrupted");
            } finally {
                delete(out);
                delete(err);
            }
        }

        private static void delete(Path p) {
            if (p != null) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a temp file left behind is harmless
                }
            }
        }

        private static Path find(String name) {
            List<String> dirs = new ArrayList<>();
            String path = System.getenv("PATH");
            if (path != null) {
                dirs.addAll(List.of(path.split(":")));
            }
            dirs.addAll(SBIN);
            for (String d : dirs) {
                if (d.isEmpty()) {
                    continue;
                }
                Path p = Path.of(d, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
            return null;
        }
    }
}
