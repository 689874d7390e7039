package io.junction.core.internal.route;

import io.junction.api.HttpAction;

/**
 * A compiled {@code http-request ACTION [if|unless COND]}.
 *
 * @param location {@code file:line}, for logs
 */
public record HttpRule(HttpAction action, Condition condition, String location) {
}
