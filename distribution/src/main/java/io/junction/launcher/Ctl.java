package io.junction.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code bin/junction ctl}: runs one shell command in a running instance through its command
 * socket ({@code STATE_DIR/junction.sock}, a UNIX domain socket opened by the junction-shell
 * bundle; never TCP) and prints the answer.
 *
 * <pre>
 *   junction ctl [--state DIR | -f FILE [-f FILE ...] | --socket PATH] [--timeout SECONDS] COMMAND [ARG ...]
 * </pre>
 *
 * <p>The instance is found the way the launcher derives its state directory: {@code --state DIR}
 * as given to it, or the same {@code -f} files (same order) as it was started with, or, with
 * neither, the only running instance of this user under {@code $TMPDIR}. Exit codes: 0 the
 * command succeeded, 1 it failed or no instance answered, 2 usage error.
 *
 * <p>Protocol (see the shell bundle's CommandSocket): one line out, the answer back starting with
 * {@code "junction-ctl 0"} or {@code "junction-ctl 1"}, then the server closes. Everything runs
 * on the main thread, except a daemon timer that closes the connection when {@code --timeout}
 * (default 120 s) has passed.
 */
public final class Ctl {

    /** The socket file in the state directory (the shell's default). */
    public static final String SOCKET_FILE = "junction.sock";

    /** Usage, printed on a usage error and for --help. */
    public static final String USAGE = String.join("\n",
            "usage: junction ctl [--state DIR | -f FILE [-f FILE ...] | --socket PATH] [--timeout SECONDS] COMMAND [ARG ...]",
            "  runs COMMAND in the running instance started with that --state or those -f files",
            "  (neither: the only running instance of this user) and prints its output.",
            "  commands: routes, connections [-n N], counters, problems, reload, check [FILE ...],",
            "            features, install FEATURE, uninstall FEATURE, or any Gogo command (lb, scr:list, ...)",
            "  exit codes: 0 ok, 1 command failed or no instance answered, 2 usage error");

    private static final String STATUS_PREFIX = "junction-ctl ";
    private static final Pattern BAREWORD = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");
    private static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;

    private Ctl() { }

    /**
     * Entry point ({@code bin/junction ctl ...} runs it with the arguments after "ctl").
     *
     * @param args the arguments after "ctl"
     */
    public static void main(String[] args) {
        String home = System.getProperty("junction.home");
        int code = run(args, Path.of("").toAbsolutePath(), Path.of(System.getProperty("java.io.tmpdir")),
                System.getProperty("user.name", "user"), home == null ? null : Path.of(home), System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Parses, finds the socket, sends the command, prints the answer. Blocks (bounded by the
     * timeout).
     *
     * @param args the arguments after "ctl"
     * @param cwd  the directory relative paths resolve against
     * @param tmp  java.io.tmpdir, where default state directories are
     * @param user the user name (part of default state directory names)
     * @param home the distribution folder (part of the state directory hash), or null
     * @return the exit code
     */
    static int run(String[] args, Path cwd, Path tmp, String user, Path home, PrintStream out, PrintStream err) {
        List<Path> configs = new ArrayList<>();
        Path state = null;
        Path socket = null;
        long timeoutSeconds = 120;
        int i = 0;
        try {
            for (; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--")) {
                    i++;
                    break;
                } else if (a.equals("-f") || a.equals("--config")) {
                    configs.add(path(cwd, value(args, ++i, a)));
                } else if (a.startsWith("--config=")) {
                    configs.add(path(cwd, a.substring("--config=".length())));
                } else if (a.startsWith("-f") && a.length() > 2) {
                    configs.add(path(cwd, a.substring(2)));
                } else if (a.equals("--state")) {
                    state = path(cwd, value(args, ++i, a));
                } else if (a.startsWith("--state=")) {
                    state = path(cwd, a.substring("--state=".length()));
                } else if (a.equals("--socket")) {
                    socket = path(cwd, value(args, ++i, a));
                } else if (a.startsWith("--socket=")) {
                    socket = path(cwd, a.substring("--socket=".length()));
                } else if (a.equals("--timeout")) {
                    timeoutSeconds = seconds(value(args, ++i, a));
                } else if (a.equals("-h") || a.equals("--help")) {
                    out.println(USAGE);
                    return 0;
                } else if (a.startsWith("-")) {
                    throw new CommandLine.UsageException("unknown option before the command: " + a);
                } else {
                    break;
                }
            }
            if (i >= args.length) {
                throw new CommandLine.UsageException("no command given");
            }
            if ((state != null ? 1 : 0) + (configs.isEmpty() ? 0 : 1) + (socket != null ? 1 : 0) > 1) {
                throw new CommandLine.UsageException("give one of --state, -f or --socket");
            }
        } catch (CommandLine.UsageException e) {
            err.println("junction ctl: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        String line;
        try {
            line = commandLine(List.of(args).subList(i, args.length), cwd);
        } catch (CommandLine.UsageException e) {
            err.println("junction ctl: " + e.getMessage());
            return 2;
        }
        if (socket == null) {
            if (state != null) {
                socket = state.resolve(SOCKET_FILE);
            } else if (!configs.isEmpty()) {
                if (home == null) {
                    err.println("junction ctl: junction.home is not set (run it as bin/junction ctl)");
                    return 1;
                }
                socket = StateDirectory.defaultFor(tmp, user, home.toAbsolutePath().normalize(), configs).resolve(SOCKET_FILE);
            } else {
                List<Path> live = liveSockets(tmp, user);
                if (live.size() != 1) {
                    err.println(live.isEmpty()
                            ? "junction ctl: no running junction instance of " + user + " found under " + tmp
                                    + " (give --state DIR or the -f files it was started with)"
                            : "junction ctl: several running instances; choose one with --state DIR or -f FILE:\n  "
                                    + String.join("\n  ", live.stream().map(p -> p.getParent().toString()).toList()));
                    return 1;
                }
                socket = live.get(0);
            }
        }
        return send(socket, line, timeoutSeconds, out, err);
    }

    /**
     * Joins the command words into one Gogo command line: plain words as they are, others in
     * single quotes (Gogo takes them literally). The files of {@code check} are made absolute
     * here, because the instance's working directory is not ours.
     */
    static String commandLine(List<String> words, Path cwd) throws CommandLine.UsageException {
        boolean check = words.get(0).equals("check") || words.get(0).equals("junction:check");
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < words.size(); k++) {
            String w = words.get(k);
            if (check && k > 0 && !w.startsWith("-") && !w.isEmpty()) {
                w = cwd.resolve(w).toAbsolutePath().normalize().toString();
            }
            if (w.indexOf('\n') >= 0 || w.indexOf('\r') >= 0) {
                throw new CommandLine.UsageException("an argument must not contain a line break");
            }
            if (sb.length() > 0) {
                sb.append(' ');
            }
            if (BAREWORD.matcher(w).matches()) {
                sb.append(w);
            } else if (w.indexOf('\'') < 0) {
                sb.append('\'').append(w).append('\'');
            } else {
                throw new CommandLine.UsageException("an argument with both special characters and ' cannot be passed: " + w);
            }
        }
        return sb.toString();
    }

    /** The socket files of this user's default state directories that accept a connection. */
    static List<Path> liveSockets(Path tmp, String user) {
        // The same name StateDirectory.defaultFor gives, minus its 12-digit hash.
        String any = StateDirectory.defaultFor(tmp, user, Path.of("/"), List.of()).getFileName().toString();
        String prefix = any.substring(0, any.length() - 12);
        List<Path> live = new ArrayList<>();
        try (Stream<Path> s = Files.list(tmp)) {
            for (Path dir : s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList()) {
                Path sock = dir.resolve(SOCKET_FILE);
                if (Files.exists(sock) && accepts(sock)) {
                    live.add(sock);
                }
            }
        } catch (IOException e) {
            return live;
        }
        return live;
    }

    private static boolean accepts(Path sock) {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static int send(Path socket, String line, long timeoutSeconds, PrintStream out, PrintStream err) {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            err.println("junction ctl: " + e.getMessage());
            return 1;
        }
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(timeoutSeconds * 1000);
                ch.close();
            } catch (InterruptedException | IOException e) {
                // Done before the timeout, or closing anyway.
            }
        }, "junction-ctl-timeout");
        timer.setDaemon(true);
        timer.start();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        try (ch) {
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException | RuntimeException e) {
                err.println("junction ctl: no junction instance answers at " + socket + " (" + e.getMessage()
                        + "); is it running, with the same --state or -f files?");
                return 1;
            }
            ByteBuffer req = StandardCharsets.UTF_8.encode(line + "\n");
            while (req.hasRemaining()) {
                ch.write(req);
            }
            ch.shutdownOutput();
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (ch.read(buf) >= 0) {
                answer.write(buf.array(), 0, buf.position());
                buf.clear();
                if (answer.size() > MAX_ANSWER_BYTES) {
                    break;
                }
            }
        } catch (IOException e) {
            if (answer.size() == 0) {
                err.println("junction ctl: the connection to " + socket + " failed: " + e
                        + (ch.isOpen() ? "" : " (timeout after " + timeoutSeconds + " s?)"));
                return 1;
            }
        } finally {
            timer.interrupt();
        }
        String text = answer.toString(StandardCharsets.UTF_8);
        int nl = text.indexOf('\n');
        String status = nl < 0 ? text : text.substring(0, nl);
        if (!status.startsWith(STATUS_PREFIX)) {
            out.print(text);
            err.println("junction ctl: the instance closed the connection without an answer (timeout?)");
            return 1;
        }
        out.print(text.substring(nl + 1));
        out.flush();
        return status.equals(STATUS_PREFIX + "0") ? 0 : 1;
    }

    private static String value(String[] args, int i, String option) throws CommandLine.UsageException {
        if (i >= args.length || args[i].isEmpty()) {
            throw new CommandLine.UsageException(option + " needs a value");
        }
        return args[i];
    }

    private static Path path(Path cwd, String value) throws CommandLine.UsageException {
        if (value.isEmpty()) {
            throw new CommandLine.UsageException("empty path");
        }
        // Exactly as CommandLine does: the state directory hash depends on this form.
        return cwd.resolve(value).toAbsolutePath().normalize();
    }

    private static long seconds(String v) throws CommandLine.UsageException {
        try {
            long s = Long.parseLong(v);
            if (s > 0) {
                return s;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new CommandLine.UsageException("--timeout needs a positive number of seconds: " + v);
    }
}
