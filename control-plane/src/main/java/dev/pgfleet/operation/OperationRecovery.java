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
    static final String INTERRUPTED = OperationHandler.INTERRUPTED;
    private static final Logger log = LoggerFactory.getLogger(OperationRecovery.class);

    private final Operations operations;
    private final DatabaseOperationRepository repository;
    private final OperationHandlers handlers;

    OperationRecovery(Operations operations, DatabaseOperationRepository repository, OperationHandlers handlers) {
        this.operations = operations;
        this.repository = repository;
        this.handlers = handlers;
    }

    @Scheduled(fixedDelay = 5_000, initialDelay = 5_000)
    void beat() {
        operations.beat();
    }

    /** Every 10 s: take over the running operations whose process went silent. */
    @Scheduled(fixedDelay = 10_000, initialDelay = 1_000)
    void recoverSilentOperations() {
        var silentBefore = operations.now().minus(SILENCE);
        for (DatabaseOperation op : repository.findRunningSilentSince(silentBefore)) {
            if (!operations.takeOver(op.getId(), silentBefore)) {
                continue; // another replica took it, or it finished meanwhile
            }
            log.warn("operation {} ({} of database {}) was interrupted: its control plane stopped; recovering it", op.getId(),
                    op.getKind().apiName(), op.getDatabaseId());
            try {
                handlers.of(op.getKind()).ifPresentOrElse(h -> h.recoverInterrupted(op), () -> operations.fail(op.getId(), INTERRUPTED));
            } catch (RuntimeException e) {
                log.error("recovering operation {} failed", op.getId(), e);
                operations.fail(op.getId(), INTERRUPTED + " Recovering it failed too: " + FailureReasons.describe(e));
            }
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
