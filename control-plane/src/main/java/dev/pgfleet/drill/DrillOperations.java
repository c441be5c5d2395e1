package dev.pgfleet.drill;

import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.DatabaseSchedules;
import dev.pgfleet.operation.OperationHandler;
import dev.pgfleet.operation.OperationKind;
import java.time.Duration;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * What the operations model runs for a drill: the policy's schedule fired ({@link #onSchedule}), a requested drill's
 * trigger fired ({@link #run}), or a drill's control plane died ({@link #recoverInterrupted}). An interrupted drill is
 * never run again — the cluster is no longer what it started from, and its figures would measure nothing — it is ended
 * (pooler resumed, an abrupt failure ended) and failed with the reason.
 */
@Component
class DrillOperations implements OperationHandler {
    private final DrillService service;
    private final DrillRunner runner;
    private final DrillLedger ledger;
    private final PoolerRescue rescue;
    private final DatabaseSchedules schedules;
    private final DatabaseEvents events;

    DrillOperations(DrillService service, DrillRunner runner, DrillLedger ledger, PoolerRescue rescue, DatabaseSchedules schedules,
                    DatabaseEvents events) {
        this.service = service;
        this.runner = runner;
        this.ledger = ledger;
        this.rescue = rescue;
        this.schedules = schedules;
        this.events = events;
    }

    @Override
    public OperationKind kind() {
        return OperationKind.DRILL;
    }

    @Override
    public void onSchedule(UUID databaseId) {
        service.scheduledDrill(databaseId).ifPresent(runner::run);
    }

    @Override
    public void run(UUID databaseId, UUID operationId) {
        runner.run(operationId);
    }

    @Override
    public void recoverInterrupted(DatabaseOperation op) {
        Drill drill = ledger.ofOperation(op.getId()).orElse(null);
        String undone = rescue.undo(op.getDatabaseId(), drill != null && drill.getKind() == Drill.Kind.KILL_PRIMARY ? drill.getOldLeader() : null);
        String reason = INTERRUPTED + " " + undone + " The drill is not run again.";
        if (drill != null) {
            ledger.finish(drill.getId(), null, false, reason);
        }
        rescue.failIfActive(op.getId(), reason);
        events.warningOnce(op.getDatabaseId(), "DrillFailed", "Drill " + (drill == null ? op.getId() : drill.getId()) + ": " + reason);
    }

    /**
     * A drill requested before a restart: its one-shot trigger may be gone, so it gets another. Always (the job's cron
     * trigger says nothing of this drill's); a second run finds the operation claimed and returns at once.
     */
    @Override
    public void resumeRequested(DatabaseOperation op) {
        schedules.runSoon(OperationKind.DRILL, op.getDatabaseId(), op.getId(), Duration.ZERO);
    }
}
