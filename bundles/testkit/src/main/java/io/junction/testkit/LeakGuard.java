package io.junction.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns Netty's leak reports into test failures. Netty only logs a leak ("LEAK: ByteBuf.release()
 * was not called"), which a green build would hide; this guard listens on the detector that
 * tracks every ByteBuf and {@link #check()} throws when it reported anything.
 *
 * <p>Works the same on a plain classpath and inside an OSGi framework: it reaches the detector
 * through the netty-buffer classes it is wired to. Run with
 * {@code -Dio.netty.leakDetection.level=PARANOID} so that every buffer is tracked.
 */
public final class LeakGuard {
    private static final List<String> LEAKS = new ArrayList<>();
    private static boolean installed;

    private LeakGuard() {
    }

    /** Starts listening (idempotent). Call before the code under test allocates buffers. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            throw new AssertionError("tests must run with -Dio.netty.leakDetection.level=PARANOID, level is "
                    + ResourceLeakDetector.getLevel());
        }
        detector().setLeakListener((type, records) -> {
            synchronized (LeakGuard.class) {
                LEAKS.add(type + "\n" + records);
            }
        });
        installed = true;
    }

    /**
     * Collects garbage, makes the detector poll its reference queue, and throws an
     * {@link AssertionError} listing every leak reported since the last check.
     */
    public static void check() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            // The detector reports collected, unreleased buffers when the next buffer is tracked.
            for (int i = 0; i < 8; i++) {
                ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                a.release();
                ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
                b.release();
            }
        }
        List<String> found;
        synchronized (LeakGuard.class) {
            found = new ArrayList<>(LEAKS);
            LEAKS.clear();
        }
        if (!found.isEmpty()) {
            throw new AssertionError(found.size() + " Netty buffer leak(s):\n" + String.join("\n----\n", found));
        }
    }

    @SuppressWarnings("unchecked")
    private static ResourceLeakDetector<ByteBuf> detector() {
        try {
            Class<?> abstractByteBuf = Class.forName("io.netty.buffer.AbstractByteBuf", true,
                    ByteBuf.class.getClassLoader());
            Field field = abstractByteBuf.getDeclaredField("leakDetector");
            field.setAccessible(true);
            return (ResourceLeakDetector<ByteBuf>) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach Netty's ByteBuf leak detector", e);
        }
    }
}
