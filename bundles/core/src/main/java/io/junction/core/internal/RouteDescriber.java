package io.junction.core.internal;

import io.junction.core.internal.route.BackendPool;
import io.junction.core.internal.route.BindSpec;
import io.junction.core.internal.route.CompiledConfig;
import io.junction.core.internal.route.ContentRule;
import io.junction.core.internal.route.FrontendRoutes;
import io.junction.core.internal.route.Rule;
import io.junction.core.internal.route.ServerTarget;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Renders the running route table for operators (shell {@code junction:routes}). */
final class RouteDescriber {

    private RouteDescriber() {
    }

    static List<String> describe(CompiledConfig config, List<String> listening) {
        List<String> out = new ArrayList<>();
        Set<BackendPool> backends = new LinkedHashSet<>();
        for (FrontendRoutes f : config.frontends()) {
            out.add("frontend " + f.name() + "  inspect-delay " + f.inspectDelay() + " ms, sniffers "
                    + String.join(",", f.snifferNames()) + (f.maxconn() > 0 ? ", maxconn " + f.maxconn() : ""));
            for (BindSpec b : f.binds()) {
                out.add("  bind " + b.address() + (Boolean.TRUE.equals(b.v6only()) ? " v6only" : "")
                        + "  (" + b.location() + ")");
            }
            for (ContentRule r : f.contentRules()) {
                out.add("  tcp-request content " + (r.accept() ? "accept" : "reject") + "  (" + r.location() + ")");
            }
            for (Rule<BackendPool> r : f.useBackendRules()) {
                out.add("  use_backend " + r.target().name() + "  (" + r.location() + ")");
                backends.add(r.target());
            }
            if (f.defaultBackend() != null) {
                out.add("  default_backend " + f.defaultBackend().name());
                backends.add(f.defaultBackend());
            }
        }
        for (BackendPool b : backends) {
            out.add("backend " + b.name());
            for (Rule<ServerTarget> r : b.useServerRules()) {
                out.add("  use-server " + r.target().name() + "  (" + r.location() + ")");
            }
            for (ServerTarget s : b.servers()) {
                out.add("  server " + s.name() + " " + s.address() + " weight " + s.weight()
                        + (s.pendingReason() != null ? "  UNUSABLE: " + s.pendingReason() : ""));
            }
        }
        out.add("listening: " + String.join(", ", listening));
        return out;
    }
}
