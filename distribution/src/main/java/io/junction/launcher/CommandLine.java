package io.junction.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parsed command line of {@code bin/junction}, modelled on {@code haproxy}:
 * <pre>
 *   junction [-c] [-d] [--shell] [--state DIR] -f FILE [-f FILE ...]
 * </pre>
 * Immutable; built by {@link #parse(String[], Path)} on the main thread.
 *
 * @param configs   absolute, normalized configuration paths in command-line order
 * @param check     {@code -c}: check the configuration and exit
 * @param debug     {@code -d}/{@code --debug}: debug logging
 * @param shell     {@code --shell}: interactive Gogo console (only when on a terminal)
 * @param stateDir  {@code --state DIR}, absolute, or null for the per-instance default
 * @param help      {@code -h}/{@code --help}
 * @param version   {@code -v}/{@code --version}
 */
public record CommandLine(List<Path> configs, boolean check, boolean debug, boolean shell, Path stateDir,
        boolean help, boolean version) {

    /** The one-line usage printed on a usage error (exit 2) and with --help. */
    public static final String USAGE =
            "usage: junction [-c] [-d] [--shell] [--state DIR] -f FILE [-f FILE ...]";

    /** Longer help, printed by --help after the usage line. */
    public static final String HELP = String.join("\n",
            "  -f FILE       configuration file (HAProxy dialect); repeat for several files, read in order",
            "  -c            check the configuration only: exit 0 if valid, 1 if not; binds nothing",
            "  -d, --debug   debug logging",
            "  --state DIR   framework storage of this instance (default: a directory under $TMPDIR",
            "                derived from the configuration paths); cleaned at every start",
            "  --shell       interactive Gogo shell on this terminal (headless otherwise)",
            "  -v, --version print the version and exit",
            "  -h, --help    this help",
            "junction ctl [--state DIR | -f FILE ...] COMMAND: run a command (routes, connections, counters,",
            "                problems, reload, check, features, install, uninstall) in a running instance",
            "junction check-transparent [--v6] [--alias CIDR]: inspect this host's set-up for 'usesrc client'",
            "                (docs/transparent.md) and print the commands that add what is missing",
            "Environment: JUNCTION_JAVA_OPTS (extra JVM options, e.g. -Xmx1g), JAVA_HOME.",
            "Exit codes: 0 ok/valid, 1 invalid configuration or failure, 2 usage error.");

    /** Thrown for a usage error; the launcher prints the message and {@link #USAGE}, exits 2. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * Parses the arguments. Options may come in any order; {@code -fFILE} and {@code --config=FILE}
     * forms are accepted as well, and {@code -cd} style bundling of the flag options.
     *
     * @param args the arguments after the class name
     * @param cwd  the directory relative paths resolve against (the process's working directory)
     * @return the command line
     * @throws UsageException on an unknown option, a missing value or no {@code -f}
     */
    public static CommandLine parse(String[] args, Path cwd) throws UsageException {
        List<Path> configs = new ArrayList<>();
        boolean check = false;
        boolean debug = false;
        boolean shell = false;
        boolean help = false;
        boolean version = false;
        Path state = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-f") || a.equals("--config")) {
                configs.add(path(cwd, value(args, ++i, a)));
            } else if (a.startsWith("--config=")) {
                configs.add(path(cwd, a.substring("--config=".length())));
            } else if (a.startsWith("-f") && a.length() > 2) {
                configs.add(path(cwd, a.substring(2)));
            } else if (a.equals("--state")) {
                state = path(cwd, value(args, ++i, a));
            } else if (a.startsWith("--state=")) {
                state = path(cwd, a.substring("--state=".length()));
            } else if (a.equals("--debug")) {
                debug = true;
            } else if (a.equals("--shell")) {
                shell = true;
            } else if (a.equals("--help")) {
                help = true;
            } else if (a.equals("--version")) {
                version = true;
            } else if (a.matches("-[cdhv]+")) {
                for (char c : a.substring(1).toCharArray()) {
                    switch (c) {
                        case 'c' -> check = true;
                        case 'd' -> debug = true;
                        case 'h' -> help = true;
                        default -> version = true;
                    }
                }
            } else {
                throw new UsageException("unknown argument: " + a);
            }
        }
        if (help || version) {
            return new CommandLine(List.copyOf(configs), check, debug, shell, state, help, version);
        }
        if (configs.isEmpty()) {
            throw new UsageException("no configuration file given (-f FILE)");
        }
        for (Path p : configs) {
            // junction.config is a comma-separated list (see the core's contract).
            if (p.toString().contains(",")) {
                throw new UsageException("a configuration path must not contain ',': " + p);
            }
        }
        if (check && shell) {
            throw new UsageException("-c and --shell exclude each other");
        }
        return new CommandLine(List.copyOf(configs), check, debug, shell, state, false, false);
    }

    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length || args[i].isEmpty()) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    private static Path path(Path cwd, String value) throws UsageException {
        if (value.isEmpty()) {
            throw new UsageException("empty path");
        }
        return cwd.resolve(value).toAbsolutePath().normalize();
    }

    /** @return the value of the framework property {@code junction.config} */
    public String configProperty() {
        return String.join(",", configs.stream().map(Path::toString).toList());
    }
}
