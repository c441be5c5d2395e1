package dev.pgfleet.operation;

import java.util.UUID;

/**
 * What a feature tells the operations model about one kind of operation it runs. One bean per kind; the model calls it
 * from its Quartz job ({@link DatabaseSchedules}) and from {@link OperationRecovery}.
 */
public interface OperationHandler {
    /** The reason an interrupted operation starts with (its handler may add what it undid). */
    String INTERRUPTED = "Interrupted: the control plane running it stopped.";

    OperationKind kind();

    /**
     * The database's cron schedule for this kind fired: request one operation (as {@link Requester#schedule()}) and run
     * it, or record why not. Kinds without a schedule keep the default.
     */
    default void onSchedule(UUID databaseId) {
        throw new UnsupportedOperationException(kind().apiName() + " has no schedule");
    }

    /**
     * Run the REQUESTED operation {@code operationId} now (a one-shot trigger from {@link DatabaseSchedules#runSoon}). It
     * claims it with {@link Operations#start}; when that answers false another run has it, and this returns.
     */
    default void run(UUID databaseId, UUID operationId) {
        throw new UnsupportedOperationException(kind().apiName() + " is not run from a trigger");
    }

    /**
     * {@code op} was RUNNING on a control plane that stopped (no heartbeat for {@link OperationRecovery#SILENCE}), and this
     * replica now owns it. End what it may have left half done (a paused pooler, a scratch instance, a partial file) and
     * then fail it with {@link Operations#fail} or give it another attempt with {@link Operations#retryLater}.
     */
    void recoverInterrupted(DatabaseOperation op);

    /**
     * At start-up, for each REQUESTED operation of this kind: make sure something will run it (its one-shot trigger may have
     * been lost). Running one twice is harmless: the second {@link Operations#start} answers false.
     */
    default void resumeRequested(DatabaseOperation op) {
    }
}
