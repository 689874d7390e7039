package io.junction.itests;

import java.lang.reflect.Method;
import org.junit.AssumptionViolatedException;
import org.junit.Test;
import org.junit.runner.Description;
import org.junit.runner.Runner;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunNotifier;
import org.ops4j.pax.exam.junit.PaxExam;

/**
 * A JUnit 4 runner for tests that need OpenSSH: runs the class with {@link PaxExam} when
 * {@code sshd}, {@code ssh} and {@code ssh-keygen} are found, and otherwise reports every test
 * as skipped (a failed assumption, naming what is missing) without booting the framework.
 *
 * <p>Why not {@code Assume} inside the test: Pax Exam's in-container runner reports a test whose
 * assumption failed as passed, so a machine without OpenSSH would look green. This runner
 * decides on the driver side (the Failsafe JVM), where the assumption reaches Failsafe.
 */
public final class RequiresOpenSsh extends Runner {
    private final Class<?> testClass;
    private final Runner delegate;
    private final String missing;

    public RequiresOpenSsh(Class<?> testClass) throws Exception {
        this.testClass = testClass;
        this.missing = OpenSsh.missing();
        this.delegate = missing == null ? new PaxExam(testClass) : null;
    }

    @Override
    public Description getDescription() {
        if (delegate != null) {
            return delegate.getDescription();
        }
        Description suite = Description.createSuiteDescription(testClass);
        for (Method m : testClass.getMethods()) {
            if (m.isAnnotationPresent(Test.class)) {
                suite.addChild(Description.createTestDescription(testClass, m.getName()));
            }
        }
        return suite;
    }

    @Override
    public void run(RunNotifier notifier) {
        if (delegate != null) {
            delegate.run(notifier);
            return;
        }
        for (Description test : getDescription().getChildren()) {
            notifier.fireTestStarted(test);
            notifier.fireTestAssumptionFailed(new Failure(test, new AssumptionViolatedException(missing)));
            notifier.fireTestFinished(test);
        }
    }
}
