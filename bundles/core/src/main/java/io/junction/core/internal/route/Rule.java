package io.junction.core.internal.route;

/**
 * A compiled switching rule ({@code use-server}, {@code use_backend}): take {@code target} when
 * {@code condition} holds.
 *
 * @param location {@code file:line} of the rule, for logs
 */
public record Rule<T>(T target, Condition condition, String location) {
}
