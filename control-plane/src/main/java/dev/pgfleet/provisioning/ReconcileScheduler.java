package dev.pgfleet.provisioning;

import dev.pgfleet.database.DatabaseChanged;
import dev.pgfleet.database.DatabaseRepository;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Decides when each database is reconciled: right after its desired state changed, again soon while it
 * converges, with exponential backoff while a step fails, and on a periodic resync (which also re-adopts
 * every database after a restart). One database is never reconciled by two threads at once.
 */
@Component
class ReconcileScheduler implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ReconcileScheduler.class);

    private final Reconciler reconciler;
    private final ReconcileGate gate;
    private final DatabaseRepository databases;
    private final ReconcileProperties timing;
    private final ConcurrentMap<UUID, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();
    private final Set<UUID> running = ConcurrentHashMap.newKeySet();
    private final Set<UUID> dirty = ConcurrentHashMap.newKeySet();
    private final ConcurrentMap<UUID, Integer> failures = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService executor;

    ReconcileScheduler(Reconciler reconciler, ReconcileGate gate, DatabaseRepository databases, ReconcileProperties timing) {
        this.reconciler = reconciler;
        this.gate = gate;
        this.databases = databases;
        this.timing = timing;
    }

    @TransactionalEventListener
    void onDatabaseChanged(DatabaseChanged event) {
        enqueue(event.databaseId(), Duration.ZERO);
    }

    @org.springframework.context.event.EventListener
    void onDataPlaneChanged(DataPlaneChanged event) {
        enqueue(event.databaseId(), Duration.ZERO);
    }

    void enqueue(UUID id, Duration delay) {
        ScheduledExecutorService ex = executor;
        if (ex == null || ex.isShutdown()) {
            return;
        }
        pending.compute(id, (key, existing) -> {
            if (existing != null && !existing.isDone() && existing.getDelay(TimeUnit.MILLISECONDS) <= delay.toMillis()) {
                return existing;
            }
            if (existing != null) {
                existing.cancel(false);
            }
            return ex.schedule(() -> run(id), delay.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    /**
     * Runs passes for one database until no change is left unhandled. A thread that finds another one
     * running marks the database dirty; the runner loops while it is dirty, and re-checks after letting go,
     * so no change waits for the next resync.
     */
    private void run(UUID id) {
        pending.computeIfPresent(id, (key, f) -> f.getDelay(TimeUnit.MILLISECONDS) <= 0 ? null : f);
        if (!gate.mayReconcile()) {
            return; // another replica leads; the resync brings the database back if this one takes over
        }
        dirty.add(id);
        Optional<Duration> next = Optional.empty();
        boolean ran = false;
        while (dirty.contains(id) && running.add(id)) {
            try {
                while (dirty.remove(id)) {
                    next = passOnce(id);
                    ran = true;
                }
            } finally {
                running.remove(id);
            }
        }
        if (ran) {
            next.ifPresent(delay -> enqueue(id, delay));
        }
    }

    private Optional<Duration> passOnce(UUID id) {
        try {
            Optional<Duration> next = reconciler.reconcile(id);
            failures.remove(id);
            return next;
        } catch (org.springframework.dao.OptimisticLockingFailureException concurrentChange) {
            // The API changed the database (a deletion) while this pass wrote its status: just look again.
            return Optional.of(Duration.ZERO);
        } catch (Exception e) {
            int attempt = failures.merge(id, 1, Integer::sum);
            Duration backoff = backoff(attempt);
            log.warn("reconcile of {} failed (attempt {}, retrying in {}): {}", id, attempt, backoff, Reconciler.describe(e));
            try {
                reconciler.recordFailure(id, e);
            } catch (RuntimeException recordFailure) {
                log.warn("could not record the failure of {}: {}", id, recordFailure.toString());
            }
            return Optional.of(backoff);
        }
    }

    Duration backoff(int attempt) {
        long seconds = 1L << Math.min(attempt - 1, 10);
        return Duration.ofSeconds(Math.min(seconds, timing.maxBackoff().toSeconds()));
    }

    /** Every database not already waiting for a pass (a retry's backoff is not cut short by the resync). */
    private void resyncAll() {
        try {
            databases.findAllIds().stream()
                    .filter(id -> !failures.containsKey(id) || !pending.containsKey(id))
                    .forEach(id -> enqueue(id, Duration.ZERO));
        } catch (RuntimeException e) {
            log.warn("resync could not list databases: {}", e.toString());
        }
    }

    @Override
    public void start() {
        AtomicInteger n = new AtomicInteger();
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(timing.workers(), r -> {
            Thread t = new Thread(r, "reconciler-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // On shutdown, queued passes are dropped but a pass under way finishes: half a step (a process
        // started, its pid file not yet written) is worse than a late stop.
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        pool.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        pool.setRemoveOnCancelPolicy(true);
        executor = pool;
        executor.scheduleWithFixedDelay(this::resyncAll, 0, timing.resyncInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Drops queued passes and waits for the ones under way (a deletion can take a while) to finish. */
    @Override
    public void stop() {
        ScheduledExecutorService ex = executor;
        if (ex != null) {
            ex.shutdown();
            try {
                if (!ex.awaitTermination(120, TimeUnit.SECONDS)) {
                    log.warn("reconcile passes for {} still running after 120s at shutdown", running);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        ScheduledExecutorService ex = executor;
        return ex != null && !ex.isShutdown();
    }
}
