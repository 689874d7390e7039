package io.junction.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.core.internal.compile.FakePlugins;
import io.junction.core.internal.compile.Plugins;
import io.junction.core.internal.route.CompiledConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the router follows plugins that come and go, with the configuration thread for real. */
class RouterPluginChangeTest {
    private static final String CFG = "listen x\n use-server a if { req.ssl_sni -i a }\n server a 127.0.0.1:1 weight 0\n"
            + " server d 127.0.0.1:2\n";

    @TempDir
    Path dir;

    private Router router;
    private final AtomicReference<Plugins> plugins = new AtomicReference<>(FakePlugins.all());

    @AfterEach
    void stop() {
        if (router != null) {
            router.stop();
        }
    }

    private Path start(long graceMillis) throws Exception {
        Path file = dir.resolve("r.cfg");
        Files.writeString(file, CFG);
        router = new Router(List.of(file), 50, 100, graceMillis, plugins::get);
        router.start();
        await(c -> c != null, "the first configuration");
        return file;
    }

    private void await(Predicate<CompiledConfig> condition, String what) throws InterruptedException {
        // Waiting for an event of the configuration thread, bounded; not a timing assertion.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.test(router.running())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; problems: " + router.problems());
            }
            Thread.sleep(10);
        }
    }

    private static boolean sniRulePending(CompiledConfig c) {
        return c.problems().stream().anyMatch(p -> p.toString().contains("pending: fetch 'req.ssl_sni'"));
    }

    @Test
    void aPluginThatLeavesAndComesBackWithinTheGraceNeverMakesItsRulePending() throws Exception {
        start(5_000);
        CompiledConfig before = router.running();
        plugins.set(FakePlugins.withoutSniffer());
        router.pluginsChanged();
        Thread.sleep(300);
        assertTrue(router.running() == before, "within the grace period the running configuration stays");
        plugins.set(FakePlugins.all());
        router.pluginsChanged();
        await(c -> c != before, "the recompile with the replacement");
        assertTrue(!sniRulePending(router.running()), router.problems().toString());
    }

    @Test
    void aPluginThatDoesNotComeBackMakesItsRulePendingAfterTheGrace() throws Exception {
        start(200);
        plugins.set(FakePlugins.withoutSniffer());
        router.pluginsChanged();
        await(RouterPluginChangeTest::sniRulePending, "the rule to go pending after the grace period");
    }

    @Test
    void aSecondDepartureSoonAfterAReturnStillGoesPendingAfterItsGrace() throws Exception {
        start(600);
        CompiledConfig before = router.running();
        plugins.set(FakePlugins.withoutSniffer());
        router.pluginsChanged();
        Thread.sleep(150);
        plugins.set(FakePlugins.all());
        router.pluginsChanged();
        await(c -> c != before, "the return within the grace");
        // The first departure's check is still scheduled; this departure must get its own.
        plugins.set(FakePlugins.withoutSniffer());
        router.pluginsChanged();
        await(RouterPluginChangeTest::sniRulePending, "the second departure to take effect after its grace");
    }

    @Test
    void aBrokenFileDoesNotBlockAPluginChange() throws Exception {
        Path file = start(200);
        Files.writeString(file, CFG + " frobnicate 42\n");
        List<String> report = router.reload();
        assertTrue(report.get(report.size() - 1).startsWith("configuration rejected"), report.toString());
        plugins.set(FakePlugins.withoutSniffer());
        router.pluginsChanged();
        await(RouterPluginChangeTest::sniRulePending, "the plugin change to apply to the running configuration");
        plugins.set(FakePlugins.all());
        router.pluginsChanged();
        await(c -> !sniRulePending(c), "the plugin's return to apply too");
        assertEquals(1, router.running().frontends().size());
    }
}
