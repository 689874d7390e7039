package io.junction.shell.internal;

import io.junction.api.RouterAdmin;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A RouterAdmin with answers set by the test; records what it was asked. */
final class FakeRouterAdmin implements RouterAdmin {
    List<String> routes = List.of();
    List<ConnectionInfo> connections = List.of();
    Map<String, Long> counters = new LinkedHashMap<>();
    List<String> problems = List.of();
    List<String> reload = List.of();
    List<String> check = List.of();
    List<Path> configFiles = List.of();
    final List<List<Path>> checked = new ArrayList<>();
    int lastLimit = -1;

    @Override
    public List<String> routes() {
        return routes;
    }

    @Override
    public List<ConnectionInfo> connections(int limit) {
        lastLimit = limit;
        return connections.size() > limit ? connections.subList(0, limit) : connections;
    }

    @Override
    public Map<String, Long> counters() {
        return counters;
    }

    @Override
    public List<String> problems() {
        return problems;
    }

    @Override
    public List<String> reload() {
        return reload;
    }

    @Override
    public List<String> check(List<Path> files) {
        checked.add(files);
        return check;
    }

    @Override
    public List<Path> configFiles() {
        return configFiles;
    }
}
