package io.junction.itests;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the real {@code curl} binary (installed in CI by {@code .ci/run}) as the HTTP client of
 * the HTTP-mode integration tests: a client nobody in this project wrote, so the router is
 * checked against what real clients send and expect.
 *
 * <p>One call runs one curl process with one or more transfers ("operations" joined by
 * {@code --next}, which makes curl reuse its connection when the URL's host and port are the
 * same). After each transfer curl prints a marker with the status and the number of new
 * connections it opened for it ({@code %{num_connects}}: 0 means the connection was reused).
 */
final class Curl {

    /** Hard bound on one curl process; each transfer is also bounded by --max-time. */
    private static final long PROCESS_WAIT_SECONDS = 40;
    private static final String MARK = "@@curl-transfer status=%{http_code} connects=%{num_connects}@@";
    private static final Pattern MARKER = Pattern.compile("\n@@curl-transfer status=(\\d+) connects=(\\d+)@@\n");

    /** One transfer's outcome: status 0 when there was no response. */
    record Transfer(int status, int connects, String body) {
        /** The backend's name from an {@link HttpBackend} body, or null. */
        String backend() {
            for (String line : body.split("\n")) {
                if (line.startsWith("backend: ")) {
                    return line.substring("backend: ".length());
                }
            }
            return null;
        }

        /** Every value of header {@code name} that the backend echoed, in order. */
        List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            for (String line : body.split("\n")) {
                if (line.startsWith("header: ")) {
                    String h = line.substring("header: ".length());
                    int colon = h.indexOf(':');
                    if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) {
                        values.add(h.substring(colon + 1).trim());
                    }
                }
            }
            return values;
        }
    }

    /** A whole curl run: its exit code, its transfers, its stderr (for failure messages). */
    record Run(int exitCode, List<Transfer> transfers, String stderr, List<String> command) {
        Transfer only() {
            if (transfers.size() != 1) {
                throw new AssertionError("expected one transfer, got " + this);
            }
            return transfers.get(0);
        }

        @Override
        public String toString() {
            return "curl exit " + exitCode + " " + transfers + " stderr: " + stderr.strip() + " command: " + command;
        }
    }

    private Curl() {
    }

    /**
     * Test thread: runs curl with the given operations (each a list of curl arguments ending
     * with its URL), blocking until it exits (bounded). Every operation gets
     * {@code --noproxy '*'} (never an environment proxy: loopback only), {@code --max-time} and
     * the marker.
     */
    @SafeVarargs
    static Run run(List<String>... operations) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-sS"));
        for (int i = 0; i < operations.length; i++) {
            if (i > 0) {
                command.add("--next");
            }
            command.addAll(List.of("--noproxy", "*", "--max-time", "15", "-w", "\n" + MARK + "\n"));
            command.addAll(operations[i]);
        }
        File err = File.createTempFile("curl", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(err);
            for (String proxyVar : List.of("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                    "ALL_PROXY")) {
                pb.environment().remove(proxyVar);
            }
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new AssertionError("the curl binary is needed by the HTTP-mode itests (CI installs it through"
                        + " .ci/run): " + e, e);
            }
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes(); // ends when curl exits (each transfer is bounded)
            if (!p.waitFor(PROCESS_WAIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("curl did not exit within " + PROCESS_WAIT_SECONDS + " s: " + command);
            }
            String stdout = new String(out, StandardCharsets.ISO_8859_1);
            List<Transfer> transfers = new ArrayList<>();
            Matcher m = MARKER.matcher(stdout);
            int from = 0;
            while (m.find()) {
                transfers.add(new Transfer(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                        stdout.substring(from, m.start())));
                from = m.end();
            }
            return new Run(p.exitValue(), transfers, Files.readString(err.toPath(), StandardCharsets.ISO_8859_1),
                    command);
        } finally {
            err.delete();
        }
    }

    /** One GET of {@code http://127.0.0.1:port<path>} with {@code extra} arguments (e.g. -H). */
    static List<String> get(int port, String path, String... extra) {
        List<String> op = new ArrayList<>(List.of(extra));
        op.add("http://127.0.0.1:" + port + path);
        return op;
    }
}
