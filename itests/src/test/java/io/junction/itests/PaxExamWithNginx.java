package io.junction.itests;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.AssumptionViolatedException;
import org.junit.Test;
import org.junit.runner.Description;
import org.junit.runner.Runner;
import org.junit.runner.manipulation.Filter;
import org.junit.runner.manipulation.Filterable;
import org.junit.runner.manipulation.NoTestsRemainException;
import org.junit.runner.manipulation.Sortable;
import org.junit.runner.manipulation.Sorter;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunNotifier;
import org.junit.runners.model.InitializationError;
import org.ops4j.pax.exam.junit.PaxExam;

/**
 * {@link PaxExam} when nginx is installed; otherwise every test of the class is reported as
 * skipped (an assumption failure naming what is missing), without booting a framework.
 *
 * <p>Why a runner: an {@code assumeTrue} inside the framework does not skip. Pax Exam's probe
 * invoker forwards only failures to the driver, so a test whose assumption failed in the
 * container is reported as passed; and the driver constructs the test class while it builds the
 * probe, so a failing constructor fails the whole class. Deciding here, on the driver, before
 * Pax Exam is involved, is the one place where a skip is reported as a skip.
 *
 * <p>Runs on the driver (Failsafe's JVM) only; the probe's in-container runner ignores
 * {@code @RunWith}.
 */
public final class PaxExamWithNginx extends Runner implements Filterable, Sortable {
    static final String MISSING = "nginx is not installed (apt-get install nginx; .ci/run installs it): "
            + "PROXY protocol interop with nginx not tested";

    private final Runner delegate;
    private final Description description;
    private final List<Description> skipped = new ArrayList<>();

    public PaxExamWithNginx(Class<?> testClass) throws InitializationError {
        if (Nginx.executable() != null) {
            delegate = new PaxExam(testClass);
            description = delegate.getDescription();
            return;
        }
        delegate = null;
        description = Description.createSuiteDescription(testClass);
        for (Method m : testClass.getMethods()) {
            if (m.isAnnotationPresent(Test.class)) {
                Description child = Description.createTestDescription(testClass, m.getName());
                description.addChild(child);
                skipped.add(child);
            }
        }
    }

    @Override
    public Description getDescription() {
        return description;
    }

    @Override
    public void run(RunNotifier notifier) {
        if (delegate != null) {
            delegate.run(notifier);
            return;
        }
        for (Description child : skipped) {
            notifier.fireTestStarted(child);
            notifier.fireTestAssumptionFailed(new Failure(child, new AssumptionViolatedException(MISSING)));
            notifier.fireTestFinished(child);
        }
    }

    @Override
    public void filter(Filter filter) throws NoTestsRemainException {
        if (delegate != null) {
            ((Filterable) delegate).filter(filter);
            return;
        }
        skipped.removeIf(child -> !filter.shouldRun(child));
        if (skipped.isEmpty()) {
            throw new NoTestsRemainException();
        }
    }

    @Override
    public void sort(Sorter sorter) {
        if (delegate != null) {
            ((Sortable) delegate).sort(sorter);
        } else {
            skipped.sort(sorter);
        }
    }
}
