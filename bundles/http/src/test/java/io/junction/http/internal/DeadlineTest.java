package io.junction.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The inactivity deadline on an embedded channel's loop, whose clock the test moves. */
class DeadlineTest {
    private final EmbeddedChannel ch = new EmbeddedChannel();
    private final List<Integer> expired = new ArrayList<>();
    private final Deadline.Expiry record = (d, kind) -> expired.add(kind);

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    private void advance(long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void firesAfterTheTimeoutAndTouchPostponesIt() {
        Deadline d = new Deadline(ch.eventLoop(), record);
        d.arm(1, 100);
        advance(60);
        d.touch();
        advance(60);
        assertTrue(expired.isEmpty(), "touched 60 ms ago");
        advance(50);
        assertEquals(List.of(1), expired);
        assertFalse(d.pending());
    }

    /** Re-arming with a later deadline keeps the check already scheduled; it still fires on time. */
    @Test
    void reArmingKeepsAnEarlierCheckAndFiresAtTheNewDeadline() {
        Deadline d = new Deadline(ch.eventLoop(), record);
        d.arm(1, 100);
        advance(50);
        d.arm(2, 100); // due at 150; the check scheduled for 100 stays and re-schedules itself
        advance(60);
        assertTrue(expired.isEmpty(), "not at 110");
        advance(45);
        assertEquals(List.of(2), expired, "fired at 155 with the new kind");
    }

    /** A shorter timeout than the pending check's cannot wait for it. */
    @Test
    void reArmingWithAnEarlierDeadlineReschedules() {
        Deadline d = new Deadline(ch.eventLoop(), record);
        d.arm(1, 1000);
        d.arm(2, 100);
        advance(110);
        assertEquals(List.of(2), expired);
    }

    @Test
    void eagerDisarmCancelsLazyDisarmKeepsTheCheckAndStopCancels() {
        Deadline eager = new Deadline(ch.eventLoop(), record);
        eager.arm(1, 100);
        eager.disarm();
        assertFalse(eager.pending(), "an eager deadline cancels at once");

        Deadline lazy = Deadline.lazy(ch.eventLoop(), record);
        lazy.arm(1, 100);
        lazy.disarm();
        assertTrue(lazy.pending(), "kept for the next arm");
        advance(150);
        assertTrue(expired.isEmpty(), "a disarmed deadline never fires");
        assertFalse(lazy.pending(), "the check went away when it ran");

        lazy.arm(3, 100);
        lazy.stop();
        assertFalse(lazy.pending(), "stop cancels");
        advance(150);
        assertTrue(expired.isEmpty());
    }
}
