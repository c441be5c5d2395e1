package dev.pgfleet.operation;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The one recovery path for operations interrupted by a dying control plane. Every process beats for the operations it
 * runs every {@link #BEAT}; an operation RUNNING with no beat for {@link #SILENCE} lost its process, and the first replica
 * to notice takes it over ({@link Operations#takeOver}: one wins) and hands it to its kind's
 * {@link OperationHandler#recoverInterrupted}, which ends what was half done and fails or retries it. A kind without a
 * handler is failed with the reason. At start-up, each REQUESTED operation is handed to its handler too, so none waits
 * for a trigger that was lost.
 */
@Component
class OperationRecovery {
    static final Duration BEAT = Duration.ofSeconds(5);
    static final Duration SILENCE = Duration.ofSeconds(30);
    /** Longer than any request takes to arm its trigger, and than a waiting backup's or restore's next turn. */
    static final Duration UNARMED = Duration.ofMinutes(2);
    static final String INTERRUPTED = OperationHandler.INTERRUPTED;
    private static final Logger log = LoggerFactory.getLogger(OperationRecovery.class);

    private final Operations operations;
    private final DatabaseOperationRepository repository;
    private final OperationHandlers handlers;
    private final DatabaseSchedules schedules;

    OperationRecovery(Operations operations, DatabaseOperationRepository repository, OperationHandlers handlers,
                      DatabaseSchedules schedules) {
        this.operations = operations;
        this.repository = repository;
        this.handlers = handlers;
        this.schedules = schedules;
    }

    @Scheduled(fixedDelay = 5_000, initialDelay = 5_000)
    void beat() {
        operations.beat();
    }

    /** Every 10 s: take over the running operations whose process went silent. */
    @Scheduled(fixedDelay = 10_000, initialDelay = 1_000)
    void recoverSilentOperations() {
        for (DatabaseOperation op : repository.findRunningSilentFor(SILENCE.toSeconds())) {
            if (!operations.takeOver(op.getId(), SILENCE)) {
                continue; // another replica took it, or it finished meanwhile
            }
            log.warn("operation {} ({} of database {}) was interrupted: its control plane stopped; recovering it", op.getId(),
                    op.getKind().apiName(), op.getDatabaseId());
            try {
                handlers.of(op.getKind()).ifPresentOrElse(h -> h.recoverInterrupted(op), () -> operations.fail(op.getId(), INTERRUPTED));
            } catch (RuntimeException e) {
                log.error("recovering operation {} failed", op.getId(), e);
                operations.fail(op.getId(), INTERRUPTED + " Recovering it failed too: " + FailureReasons.describe(e));
            } finally {
                operations.releaseThread();
            }
        }
    }

    /**
     * Every minute: a REQUESTED operation older than {@link #UNARMED} with no one-shot trigger of its own was left without
     * one (its trigger could not be stored after the request committed, or a handler's re-arm failed): its handler re-arms
     * it, as at start-up, so it neither waits for the next restart nor holds the database's lock for nothing.
     */
    @Scheduled(fixedDelay = 60_000, initialDelay = 60_000)
    void rearmForgottenRequests() {
        for (DatabaseOperation op : repository.findRequestedFor(UNARMED.toSeconds())) {
            if (schedules.hasRunTrigger(op.getKind(), op.getDatabaseId(), op.getId())) {
                continue;
            }
            handlers.of(op.getKind()).ifPresent(h -> {
                log.warn("operation {} ({} of database {}) has waited {} with no trigger; re-arming it", op.getId(),
                        op.getKind().apiName(), op.getDatabaseId(), UNARMED);
                try {
                    h.resumeRequested(op);
                } catch (RuntimeException e) {
                    log.warn("could not re-arm requested operation {}: {}", op.getId(), e.toString());
                }
            });
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    void resumeRequested() {
        for (DatabaseOperation op : repository.findByState(OperationState.REQUESTED)) {
            handlers.of(op.getKind()).ifPresent(h -> {
                try {
                    h.resumeRequested(op);
                } catch (RuntimeException e) {
                    log.warn("could not resume requested operation {}: {}", op.getId(), e.toString());
                }
            });
        }
    }
}
