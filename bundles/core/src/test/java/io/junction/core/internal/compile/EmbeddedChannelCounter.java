package io.junction.core.internal.compile;

import io.junction.core.internal.route.ServerTarget;
import java.lang.reflect.Method;

/** Test helper: raises a server's open-connection count as live connections would. */
final class EmbeddedChannelCounter {
    private EmbeddedChannelCounter() {
    }

    static void open(ServerTarget server, int n) throws Exception {
        Method opened = server.state().getClass().getDeclaredMethod("opened");
        opened.setAccessible(true);
        for (int i = 0; i < n; i++) {
            opened.invoke(server.state());
        }
    }
}
