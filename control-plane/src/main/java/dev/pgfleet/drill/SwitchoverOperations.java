package dev.pgfleet.drill;

import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.FailureReasons;
import dev.pgfleet.operation.OperationHandler;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.UpstreamFailed;
import dev.pgfleet.provisioning.ClusterObservation;
import dev.pgfleet.provisioning.ClusterObserver;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.DesiredClusters;
import dev.pgfleet.security.TenantPrincipal;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A planned switchover through the API, as an operation of kind SWITCHOVER: requested and started in one transaction
 * (so no other replica ever sees it waiting), performed within the request (the API answers once done), and succeeded
 * or failed. Its lock is the operations' (a drill meanwhile is refused, a backup may run); the tenant's bound is
 * {@link DrillAdmission}'s. One whose control plane died is ended by {@link #recoverInterrupted}: the pooler resumed,
 * the operation failed with the reason.
 */
@Component
class SwitchoverOperations implements OperationHandler {
    private static final Logger log = LoggerFactory.getLogger(SwitchoverOperations.class);

    private final DatabaseService databaseService;
    private final DrillRunner runner;
    private final DrillAdmission admission;
    private final Operations operations;
    private final Switchover switchover;
    private final ClusterObserver runtime;
    private final DesiredClusters desiredClusters;
    private final PoolerRescue rescue;
    private final DatabaseEvents events;

    SwitchoverOperations(DatabaseService databaseService, DrillRunner runner, DrillAdmission admission, Operations operations,
                         Switchover switchover, ClusterObserver runtime, DesiredClusters desiredClusters, PoolerRescue rescue,
                         DatabaseEvents events) {
        this.databaseService = databaseService;
        this.runner = runner;
        this.admission = admission;
        this.operations = operations;
        this.switchover = switchover;
        this.runtime = runtime;
        this.desiredClusters = desiredClusters;
        this.rescue = rescue;
        this.events = events;
    }

    record SwitchoverRequest(String candidate) {
    }

    /**
     * A planned switchover, done before this returns: the pooler pauses, Patroni hands over, the pooler follows and
     * resumes. Refused (409) unless the database is READY and whole, while a conflicting operation is active (naming it)
     * or the tenant's bound is reached; a switchover that fails is 502 with the reason.
     */
    Switchover.Result switchover(TenantPrincipal caller, UUID databaseId, SwitchoverRequest request) {
        Database db = databaseService.get(caller, databaseId);
        runner.refusal(db).ifPresent(why -> {
            throw new Conflict("Not possible now", why);
        });
        Plan plan = Plan.fromId(db.getPlan()).orElseThrow();
        DesiredCluster desired = desiredClusters.of(db);
        ClusterObservation obs = runtime.observeCluster(desired);
        String leader = obs.leader().orElseThrow(() -> new Conflict("No leader", "The database has no leader now."));
        Candidates.Choice choice = Candidates.choose(plan, obs, request == null ? null : request.candidate(), leader);
        if (choice.member() == null) {
            throw new Conflict("Switchover not possible", choice.refusal());
        }
        String running = "Running: from " + leader + " to " + choice.member();
        DatabaseOperation op = DrillAdmission.admittedOrRefuse(admission.admit(db.getTenantId(), db.getId(), OperationKind.SWITCHOVER,
                DrillService.requester(caller), null, running, o -> operations.start(o.getId(), running)));
        events.normal(db.getId(), "SwitchoverStarted", "Switchover from " + leader + " to " + choice.member() + " requested.");
        try {
            Switchover.Result result = switchover.perform(db, desired, leader, choice.member());
            String message = String.format(Locale.ROOT, "Switched over from %s to %s; the pooler held transactions for %.2f s.",
                    leader, result.newLeader(), result.paused().toMillis() / 1000.0);
            operations.succeed(op.getId(), message);
            events.normal(db.getId(), "SwitchoverSucceeded", message);
            return result;
        } catch (Exception e) {
            String message = "Switchover from " + leader + " to " + choice.member() + " failed: " + FailureReasons.describe(e);
            operations.fail(op.getId(), message);
            events.warningOnce(db.getId(), "SwitchoverFailed", message);
            log.warn("switchover of {} failed", db.getName(), e);
            throw new UpstreamFailed("Switchover failed", message + " The pooler was resumed.");
        } finally {
            operations.releaseThread(); // if recording the outcome itself failed, recovery ends the operation
        }
    }

    @Override
    public OperationKind kind() {
        return OperationKind.SWITCHOVER;
    }

    @Override
    public void recoverInterrupted(DatabaseOperation op) {
        String reason = INTERRUPTED + " " + rescue.undo(op.getDatabaseId(), null);
        rescue.failIfActive(op.getId(), reason);
        events.warningOnce(op.getDatabaseId(), "SwitchoverFailed", "Switchover " + op.getId() + ": " + reason);
    }

    /**
     * A switchover is requested and started in one transaction, so one still REQUESTED was left by a control plane that
     * stopped before it committed its start (or by a migration): nobody will perform it, and it must not hold the lock.
     */
    @Override
    public void resumeRequested(DatabaseOperation op) {
        rescue.failIfActive(op.getId(), "Not run: the control plane that was asked for it stopped first.");
    }
}
