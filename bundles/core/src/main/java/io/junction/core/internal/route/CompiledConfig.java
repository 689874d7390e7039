package io.junction.core.internal.route;

import io.junction.core.internal.config.ConfigProblem;
import java.util.List;

/**
 * The outcome of compiling a configuration: the frontends to serve and every problem found.
 * Immutable; the core swaps the whole instance on every reload or plugin change.
 *
 * @param frontends frontends that can be served (pending ones are left out, see problems)
 * @param maxconn the global connection limit
 * @param problems errors, pending rules and warnings, in file order
 */
public record CompiledConfig(List<FrontendRoutes> frontends, int maxconn, List<ConfigProblem> problems) {

    public CompiledConfig {
        frontends = List.copyOf(frontends);
        problems = List.copyOf(problems);
    }

    public boolean hasErrors() {
        return problems.stream().anyMatch(p -> p.severity() == ConfigProblem.Severity.ERROR);
    }
}
