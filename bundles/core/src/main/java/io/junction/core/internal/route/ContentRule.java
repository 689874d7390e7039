package io.junction.core.internal.route;

/**
 * A compiled {@code tcp-request content accept|reject [if|unless COND]}.
 *
 * @param accept true for accept, false for reject
 * @param location {@code file:line}, for logs
 */
public record ContentRule(boolean accept, Condition condition, String location) {
}
