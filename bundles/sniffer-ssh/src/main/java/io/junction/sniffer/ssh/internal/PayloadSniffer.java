package io.junction.sniffer.ssh.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.FetchProvider;
import io.junction.api.SniffResult;
import io.junction.api.Sniffer;
import io.netty.buffer.ByteBuf;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * The payload sniffer: protocol-agnostic fetches on the client's first bytes, as HAProxy's
 * layer 6 fetches. It is a separate {@link Sniffer} from {@link SshSniffer} because the two end
 * at different times: the core stops calling a sniffer once it said DONE or NOT_APPLICABLE, and
 * the SSH sniffer says NOT_APPLICABLE on the first byte of a TLS hello, while a payload window on
 * that same hello must still be filled.
 *
 * <ul>
 *   <li>{@code req.payload(OFFSET,LENGTH)} (BINARY), alias {@code payload(OFFSET,LENGTH)}: HAProxy
 *       manual: "extracts a binary block of &lt;length&gt; bytes starting at byte &lt;offset&gt;
 *       in the request buffer. As a special case, if the &lt;length&gt; argument is zero, the
 *       whole buffer from &lt;offset&gt; to the end is extracted." Unknown (a rule on it waits)
 *       until {@code OFFSET + LENGTH} bytes arrived; with LENGTH 0, known once OFFSET bytes
 *       arrived and holding what arrived after them, at most
 *       {@value PayloadWindows#MAX_LENGTH} bytes. The typical use is a signature:
 *       {@code payload(0,7) -m bin 5353482d322e30} ("SSH-2.0").</li>
 *   <li>{@code req.len} (INTEGER), alias {@code req_len}: the bytes received so far. Known from the
 *       first byte on and updated on every read; 0 once inspection ended without any byte.</li>
 * </ul>
 *
 * <p><b>Evaluation differs from HAProxy in one way.</b> HAProxy marks {@code req.len} and
 * LENGTH-0 payloads "may change" while its buffer can still grow, so a pattern that does not match
 * yet makes the rule wait for more bytes. The core decides an ACL as soon as its sample exists, so
 * here a rule sees the bytes that were buffered when it was evaluated: {@code req.len gt 0} (the
 * client sent something) and {@code req.len 0} (it sent nothing until inspection ended) work as
 * HAProxy users write them, but {@code req.len ge 100} is false for good if the first read brought
 * 50 bytes. Fixed windows are not affected: they exist only once complete.
 *
 * <p><b>Results.</b> {@link SniffResult#NEED_MORE} until every window compiled against this
 * sniffer is filled, then {@link SniffResult#DONE}; while a LENGTH-0 window or {@code req.len} is
 * compiled, NEED_MORE for as long as the core inspects (their samples grow). Never
 * {@link SniffResult#NOT_APPLICABLE}: any bytes have a payload. NEED_MORE never holds a decision
 * back by itself: a rule waits only for a window that is still missing.
 *
 * <p><b>Peek limit.</b> The largest {@code OFFSET + LENGTH} among the compiled windows (LENGTH 0
 * counts as {@value PayloadWindows#MAX_LENGTH}), at least 1; {@value PayloadWindows#MAX_END}
 * (HAProxy's default buffer size) when {@code req.len} is compiled, so that a {@code req.len}
 * rule can see as much as HAProxy's would. The windows are those of every configuration compiled
 * against this sniffer that is still in use (see {@link PayloadWindows}).
 *
 * <p>Threads: {@link #compile} and {@link #peekLimit} at config time, {@link #sniff} on the
 * connection's event loop. The per-connection state lives in the connection's facts; the
 * component itself holds only the window registry, which event loops read lock-free.
 */
@Component(
        name = PayloadSniffer.NAME,
        service = Sniffer.class,
        property = {
            FetchProvider.FETCHES + "=req.payload",
            FetchProvider.FETCHES + "=payload",
            FetchProvider.FETCHES + "=req.len",
            FetchProvider.FETCHES + "=req_len",
            Sniffer.PROTOCOL + "=payload",
        })
public final class PayloadSniffer implements Sniffer {

    /** DS component name. */
    public static final String NAME = "io.junction.sniffer.ssh.payload";

    /** The keywords {@link #compile} accepts, in the order of the service property. */
    static final List<String> KEYWORDS = List.of("req.payload", "payload", "req.len", "req_len");

    private final PayloadWindows windows = new PayloadWindows();

    /** DS (SCR's thread) and tests: a sniffer with no window compiled yet. */
    public PayloadSniffer() {
    }

    /**
     * Config time: compiles {@code req.payload(OFFSET,LENGTH)} (or {@code payload(...)}) to the
     * shared fetch of that window, or {@code req.len} (or {@code req_len}). May be called from any
     * thread; takes a short lock, does not block otherwise.
     *
     * @throws ConfigException when the window's arguments are missing, not decimal, negative, or
     *         out of bounds (LENGTH over {@value PayloadWindows#MAX_LENGTH}, OFFSET + LENGTH over
     *         {@value PayloadWindows#MAX_END}), when {@code req.len} is given arguments, when
     *         {@value PayloadWindows#MAX_WINDOWS} distinct windows are already in use, or for a
     *         keyword this sniffer does not serve
     */
    @Override
    public Fetch compile(String keyword, List<String> args, ConfigContext context) throws ConfigException {
        List<String> a = args == null ? List.of() : args;
        switch (keyword) {
            case "req.payload":
            case "payload":
                return window(keyword, a);
            case "req.len":
            case "req_len":
                if (!a.isEmpty()) {
                    throw new ConfigException(keyword + " takes no arguments");
                }
                return windows.len();
            default:
                throw new ConfigException(keyword + ": not a fetch of the payload sniffer (it serves "
                        + String.join(", ", KEYWORDS) + ")");
        }
    }

    private Fetch window(String keyword, List<String> args) throws ConfigException {
        if (args.size() != 2) {
            throw new ConfigException(keyword + " needs two arguments, " + keyword + "(OFFSET,LENGTH), e.g. "
                    + keyword + "(0,7); got " + (args.isEmpty() ? "none" : args.size() + ": " + String.join(",", args)));
        }
        int offset = nonNegative(keyword, "OFFSET", args.get(0));
        int length = nonNegative(keyword, "LENGTH", args.get(1));
        String written = keyword + "(" + offset + "," + length + ")";
        if (length > PayloadWindows.MAX_LENGTH) {
            throw new ConfigException(written + ": LENGTH may be at most " + PayloadWindows.MAX_LENGTH
                    + " bytes (each window is copied per connection)");
        }
        if (PayloadWindows.end(offset, length) > PayloadWindows.MAX_END) {
            throw new ConfigException(written + ": the window must end within the first "
                    + PayloadWindows.MAX_END + " bytes, the most that are inspected (HAProxy's default tune.bufsize)"
                    + (length == 0 ? "; with LENGTH 0 it spans up to " + PayloadWindows.MAX_LENGTH
                            + " bytes, so OFFSET may be at most " + (PayloadWindows.MAX_END - PayloadWindows.MAX_LENGTH)
                            : ""));
        }
        return windows.window(offset, length);
    }

    /** Config time: a decimal integer >= 0 (HAProxy's sint argument, without sign or hex). */
    private static int nonNegative(String keyword, String what, String arg) throws ConfigException {
        String s = arg.strip();
        if (s.isEmpty()) {
            throw new ConfigException(keyword + ": " + what + " is empty; write " + keyword + "(OFFSET,LENGTH), e.g. "
                    + keyword + "(0,7)");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new ConfigException(keyword + ": " + what + " '" + s + "' is not a non-negative decimal integer");
            }
        }
        // Anything longer than 9 digits is past every bound anyway; parsing it could overflow.
        if (s.length() > 9) {
            throw new ConfigException(keyword + ": " + what + " " + s + " is too large (the window must end within the first "
                    + PayloadWindows.MAX_END + " bytes)");
        }
        return Integer.parseInt(s);
    }

    /**
     * Config time: the bytes the live windows need, at least 1, or
     * {@value PayloadWindows#MAX_END} when {@code req.len} is compiled (see the class comment).
     * Does not block.
     */
    @Override
    public int peekLimit() {
        return windows.peekLimit();
    }

    /**
     * Event loop: records {@code req.len} and copies every window that {@code in} now completes.
     *
     * <p>Peeks only: absolute reads from the reader index; never moves {@code in}'s indexes,
     * never retains or releases it; the facts hold copies. Never blocks. Allocates, per
     * connection, one state object on the first call and one copy per window when it completes
     * (per growth for LENGTH-0 windows), plus a {@code Long} per read while {@code req.len} is
     * compiled.
     *
     * @return {@link SniffResult#NEED_MORE} or {@link SniffResult#DONE} (see the class comment);
     *         never {@link SniffResult#NOT_APPLICABLE}
     */
    @Override
    public SniffResult sniff(ByteBuf in, Facts out) {
        PayloadState state = out.get(PayloadState.KEY);
        if (state == null) {
            // The layout of the moment: it holds every window of this connection's configuration,
            // which was compiled before the connection was accepted and is kept alive by it.
            state = new PayloadState(windows.layout());
            out.put(PayloadState.KEY, state);
        }
        return state.update(in);
    }

    /** Config time, tests: the live windows of this sniffer. */
    PayloadWindows windows() {
        return windows;
    }

    /** Any thread: for logs and the shell. */
    @Override
    public String toString() {
        return "PayloadSniffer[windows=" + windows.size() + "]";
    }
}
