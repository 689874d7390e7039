package io.junction.core.internal.route;

import io.junction.api.ConnectionAction;

/**
 * A compiled {@code tcp-request connection accept|reject|ACTION [if|unless COND]}, evaluated
 * once at accept on what is known then (addresses and ports).
 *
 * @param action null for accept/reject
 * @param accept with a null action: true for accept, false for reject
 * @param location {@code file:line}, for logs
 */
public record ConnectionRule(ConnectionAction action, boolean accept, Condition condition, String location) {
}
