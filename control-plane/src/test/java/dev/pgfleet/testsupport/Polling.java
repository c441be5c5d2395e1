package dev.pgfleet.testsupport;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The one way tests wait for an asynchronous outcome (Awaitility underneath): poll a probe until its value satisfies a
 * condition, and on timeout fail with what was being waited for and the last value seen, which is what a reader of
 * a failed run needs.
 */
public final class Polling {
    private Polling() {
    }

    /** Polls {@code probe} every {@code every} until {@code done} holds for its value, and returns that value. */
    public static <T> T until(String what, Duration timeout, Duration every, Supplier<T> probe, Predicate<? super T> done) {
        AtomicReference<T> last = new AtomicReference<>();
        try {
            return Awaitility.await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(every).ignoreNoExceptions()
                    .until(() -> {
                        T value = probe.get();
                        last.set(value);
                        return value;
                    }, done::test);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + ": not within " + timeout + "; last: " + last.get(), e);
        }
    }

    /** Polls {@code condition} every {@code every} until it holds. */
    public static void until(String what, Duration timeout, Duration every, BooleanSupplier condition) {
        until(what, timeout, every, condition::getAsBoolean, Boolean.TRUE::equals);
    }
}
