package io.junction.shell.internal;

import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;

/**
 * Runs a command line in a fresh Gogo session (so {@code junction:routes}, {@code routes},
 * {@code lb}, {@code scr:list}... all work as on the console), with empty input and the output
 * collected (bounded). The session is closed after the line; no state survives between lines.
 */
public final class GogoLineExecutor implements LineExecutor {

    private final CommandProcessor processor;

    /**
     * @param processor Gogo's command processor
     */
    public GogoLineExecutor(CommandProcessor processor) {
        this.processor = processor;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Command-socket worker thread; blocks while the command runs. A command's own result
     * object (if any) is printed the way the console does ({@link Converter#INSPECT}). Failure:
     * the command threw (unknown command, bad arguments, {@link CommandFailedException}).
     */
    @Override
    public Reply execute(String line, int maxOutputBytes) {
        BoundedOutput buffer = new BoundedOutput(maxOutputBytes);
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out);
        boolean ok;
        try {
            // Unscoped names resolve in our scope first, then in every other scope.
            session.put("SCOPE", "junction:*");
            Object result = session.execute(line);
            if (result != null) {
                CharSequence shown = session.format(result, Converter.INSPECT);
                if (shown != null) {
                    out.println(shown);
                }
            }
            ok = true;
        } catch (CommandFailedException e) {
            // The details are printed already.
            out.println("error: " + e.getMessage());
            ok = false;
        } catch (Exception e) {
            out.println("error: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            ok = false;
        } finally {
            out.flush();
            session.close();
        }
        return new Reply(ok, buffer.text());
    }
}
