package io.junction.api;

/**
 * A compiled {@code http-request ACTION [args] [if|unless COND]} action. Applied by the core, in
 * rule order, to each request whose condition holds.
 */
public interface HttpAction {

    /** Returned by {@link #apply} to go on with the next rule. */
    int CONTINUE = 0;

    /**
     * Event loop: applies the action to one request. Must not block.
     *
     * @return {@link #CONTINUE}, or an HTTP status to answer at once (e.g. 403 for {@code deny})
     *         after which no further rule runs
     */
    int apply(HeaderEditor headers, Facts request);
}
