package io.junction.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit Jupiter extension registered automatically (ServiceLoader, with
 * {@code junit.jupiter.extensions.autodetection.enabled=true}): every test class fails when
 * Netty reported a leaked buffer while it ran.
 */
public final class LeakGuardExtension implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        LeakGuard.install();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        LeakGuard.check();
    }
}
