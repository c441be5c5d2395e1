package dev.pgfleet.drill;

import dev.pgfleet.operation.Operations;
import dev.pgfleet.operation.Requester;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The short transactions around a drill's life (the drill itself runs between them): each changes the drill row and its
 * operation together, so the drills API and the operations history never disagree.
 */
@Component
class DrillLedger {
    private final DrillRepository drills;
    private final Operations operations;

    DrillLedger(DrillRepository drills, Operations operations) {
        this.drills = drills;
        this.operations = operations;
    }

    @Transactional(readOnly = true)
    Optional<Drill> find(UUID id) {
        return drills.findById(id);
    }

    @Transactional(readOnly = true)
    Optional<Drill> ofOperation(UUID operationId) {
        return drills.findByOperationId(operationId);
    }

    /**
     * A scheduled drill that could not run, recorded so both histories show it: a FAILED operation when one could be
     * requested (nothing conflicting is active), else the drill row alone.
     */
    @Transactional
    void recordNotRun(UUID databaseId, UUID tenantId, Drill.Kind kind, String reason) {
        Drill d = new Drill(databaseId, kind, Drill.Trigger.SCHEDULED);
        String text = "Not run: " + reason;
        if (operations.request(databaseId, tenantId, dev.pgfleet.operation.OperationKind.DRILL, Requester.schedule(), d.getId(), text)
                instanceof Operations.Result.Requested r) {
            operations.fail(r.operation().getId(), text);
            d.runsAs(r.operation().getId());
        }
        d.finish(false, text);
        drills.save(d);
    }

    /** Claims the drill's REQUESTED operation (false: another run has it, or it ended) and marks both running. */
    @Transactional
    boolean start(Drill drill) {
        if (!operations.start(drill.getOperationId(), "Running: " + drill.getKind().apiName())) {
            return false;
        }
        drills.findById(drill.getId()).orElseThrow().start();
        return true;
    }

    @Transactional
    void leaderIs(UUID drillId, String oldLeader) {
        drills.findById(drillId).ifPresent(d -> d.leaderIs(oldLeader));
        drills.findById(drillId).map(Drill::getOperationId)
                .ifPresent(op -> operations.progress(op, "Running: " + "drill of leader " + oldLeader));
    }

    /**
     * Ends the drill and its operation: SUCCEEDED when the drill passed, FAILED (with the same reason) when it missed a
     * target or could not finish. An operation that already ended (a recovery got there first) is left as it is.
     */
    @Transactional
    void finish(UUID drillId, DrillFigures figures, boolean passed, String reason) {
        drills.findById(drillId).ifPresent(d -> {
            if (figures != null) {
                d.record(figures);
            }
            d.finish(passed, reason);
            if (d.getOperationId() != null && operations.find(d.getOperationId()).filter(o -> o.getState().isActive()).isPresent()) {
                if (passed) {
                    operations.succeed(d.getOperationId(), reason);
                } else {
                    operations.fail(d.getOperationId(), reason);
                }
            }
        });
    }
}
