package dev.pgfleet.drill;

import dev.pgfleet.blueprint.FailoverTargets;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.database.DatabaseStatus;
import dev.pgfleet.operation.FailureReasons;
import dev.pgfleet.provisioning.ClusterHealth;
import dev.pgfleet.provisioning.ClusterObservation;
import dev.pgfleet.database.RuntimeInfo;
import dev.pgfleet.provisioning.FaultInjection;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.DesiredClusters;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs one drill (I/O): checks the cluster is whole, starts the write probe, causes the fault (a switchover, or
 * the leader killed abruptly), waits for writes to come back and for the old leader to rejoin as a replica, reads
 * the probe's rows back, and records the figures with a pass/fail against the plan's targets. A drill that cannot
 * finish is recorded as failed with the reason — never left looking successful.
 */
@Component
class DrillRunner {
    private static final Logger log = LoggerFactory.getLogger(DrillRunner.class);
    private static final Duration NEW_LEADER_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration WRITES_BACK_TIMEOUT = Duration.ofSeconds(60);
    /** Writing goes on this long after the first acknowledged write, to see that writes stay back. */
    private static final Duration KEEP_WRITING = Duration.ofSeconds(1);

    private final DrillLedger ledger;
    private final DatabaseRepository databases;
    private final DesiredClusters desiredClusters;
    private final FaultInjection runtime;
    private final RuntimeInfo endpoints;
    private final Switchover switchover;
    private final DatabaseEvents events;

    DrillRunner(DrillLedger ledger, DatabaseRepository databases, DesiredClusters desiredClusters, FaultInjection runtime, RuntimeInfo endpoints,
                Switchover switchover, DatabaseEvents events) {
        this.ledger = ledger;
        this.databases = databases;
        this.desiredClusters = desiredClusters;
        this.runtime = runtime;
        this.endpoints = endpoints;
        this.switchover = switchover;
        this.events = events;
    }

    /** Why a drill or switchover cannot run on this database now; empty when it can. I/O (observes the cluster). */
    Optional<String> refusal(Database db) {
        Plan plan = Plan.fromId(db.getPlan()).orElseThrow();
        if (plan.failoverTargets().isEmpty()) {
            return Optional.of("The " + plan.id() + " plan has a single member: there is nothing to fail over to.");
        }
        if (db.isDeletionRequested()) {
            return Optional.of("The database is being deleted.");
        }
        if (db.getStatus() != DatabaseStatus.READY) {
            return Optional.of("The database is " + db.getStatus() + (db.getStatusReason() == null ? "" : " (" + db.getStatusReason() + ")")
                    + "; drills and switchovers need it READY with every member healthy.");
        }
        return ClusterHealth.problem(plan, runtime.observeCluster(desiredClusters.of(db)))
                .map(p -> "Not every member is healthy: " + p + ".");
    }

    /**
     * Runs the drill whose operation is {@code operationId}, once: it claims the operation first ({@link DrillLedger#start}),
     * so a second trigger for it returns at once. Every way out ends the drill and its operation.
     */
    void run(UUID operationId) {
        Drill drill = ledger.ofOperation(operationId).orElse(null);
        if (drill == null || drill.getStatus() != Drill.Status.PENDING || !ledger.start(drill)) {
            return;
        }
        UUID drillId = drill.getId();
        Database db = databases.findById(drill.getDatabaseId()).orElse(null);
        if (db == null) {
            ledger.finish(drillId, null, false, "The database no longer exists.");
            return;
        }
        Optional<String> refusal;
        try {
            refusal = refusal(db);
        } catch (RuntimeException e) {
            refusal = Optional.of("its cluster could not be observed: " + FailureReasons.describe(e));
        }
        if (refusal.isPresent()) {
            finish(db, drill, null, false, "Not run: " + refusal.get());
            return;
        }
        try {
            runClaimed(db, drill);
        } catch (RuntimeException e) { // before the probe started (observing the cluster): nothing to undo
            log.warn("drill {} of {} failed", drillId, db.getName(), e);
            finish(db, drill, null, false, "The drill could not start: " + FailureReasons.describe(e));
        }
    }

    private void runClaimed(Database db, Drill drill) {
        UUID drillId = drill.getId();
        Plan plan = Plan.fromId(db.getPlan()).orElseThrow();
        FailoverTargets targets = plan.failoverTargets().orElseThrow();
        DesiredCluster desired = desiredClusters.of(db);
        ClusterObservation before = runtime.observeCluster(desired);
        String oldLeader = before.leader().orElseThrow();
        ledger.leaderIs(drillId, oldLeader);
        events.normal(db.getId(), "DrillStarted", "Drill " + drillId + " (" + drill.getKind().apiName() + ") of leader " + oldLeader + ".");
        try (WriteProbe probe = new WriteProbe(endpoints.poolerEndpoint(db), db.getName(), desired.spec().ownerUsername(),
                desired.ownerPassword(), drillId)) {
            probe.start();
            if (!probe.awaitAcks(20, Duration.ofSeconds(30))) {
                probe.stop();
                finish(db, drill, null, false, "The probe could not write through the pooler before the fault; nothing was done.");
                return;
            }
            long faultAt = System.nanoTime();
            String newLeader;
            String failure = null;
            try {
                newLeader = causeFault(drill.getKind(), db, desired, plan, before, oldLeader);
            } catch (Exception e) {
                newLeader = null;
                failure = "The " + drill.getKind().apiName() + " failed: " + FailureReasons.describe(e);
            }
            boolean writesBack = probe.awaitAckAfter(faultAt, WRITES_BACK_TIMEOUT);
            if (writesBack) {
                Thread.sleep(KEEP_WRITING.toMillis());
            }
            probe.stop();
            ProbeTimeline timeline = probe.timeline();
            List<Long> missing = timeline.missing(probe.readBack(Duration.ofSeconds(60)));
            Duration rejoin = awaitRejoin(desired, plan, oldLeader, faultAt, targets.oldLeaderRejoin());
            if (newLeader == null) {
                newLeader = runtime.observeCluster(desired).leader().orElse(null);
            }
            DrillFigures figures = new DrillFigures(newLeader, timeline.unavailability(faultAt).orElse(null), timeline.failures(),
                    timeline.acknowledged(), (long) missing.size(), rejoin);
            List<String> misses = DrillVerdict.misses(drill.getKind(), targets, figures, oldLeader);
            if (failure != null) {
                misses.add(0, failure);
            }
            String summary = DrillVerdict.summary(drill.getKind(), targets, figures, oldLeader);
            finish(db, drill, figures, misses.isEmpty(), misses.isEmpty() ? summary : String.join("; ", misses) + ". " + summary);
        } catch (Exception e) {
            log.warn("drill {} of {} failed", drillId, db.getName(), e);
            finish(db, drill, null, false, "The drill could not finish: " + FailureReasons.describe(e));
        } finally {
            // Whatever happened, clients must not be left waiting at a paused pooler.
            try {
                runtime.resumePooler(desired);
            } catch (RuntimeException e) {
                log.warn("could not resume the pooler of {} after drill {}: {}", db.getName(), drillId, e.getMessage());
            }
        }
    }

    /** Causes the fault; returns the new leader. */
    private String causeFault(Drill.Kind kind, Database db, DesiredCluster desired, Plan plan, ClusterObservation before, String oldLeader)
            throws Exception {
        if (kind == Drill.Kind.SWITCHOVER) {
            Candidates.Choice choice = Candidates.choose(plan, before, null, oldLeader);
            if (choice.member() == null) {
                throw new IllegalStateException(choice.refusal());
            }
            return switchover.perform(db, desired, oldLeader, choice.member()).newLeader();
        }
        runtime.killMemberAbruptly(desired, oldLeader);
        try {
            long deadline = System.nanoTime() + NEW_LEADER_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                Optional<String> leader = runtime.observeCluster(desired).leader();
                if (leader.isPresent() && !leader.get().equals(oldLeader)) {
                    return leader.get();
                }
                Thread.sleep(200);
            }
            throw new IllegalStateException("no new leader within " + NEW_LEADER_TIMEOUT.toSeconds() + " s");
        } finally {
            // With or without a new leader: the old one must be able to come back (on Kubernetes it is frozen until now).
            // A failure here does not undo the failover the drill measures; the member's own watchdog ends the freeze,
            // and the rejoin figure shows what it cost.
            try {
                runtime.endAbruptFailure(desired, oldLeader);
            } catch (RuntimeException e) {
                log.warn("drill: could not end the abrupt failure of {} (its watchdog ends it): {}", oldLeader, e.getMessage());
            }
        }
    }

    /** From the fault until the old leader is a healthy replica and the whole cluster is healthy again; null if not within the limit. */
    private Duration awaitRejoin(DesiredCluster desired, Plan plan, String oldLeader, long faultAt, Duration limit) throws InterruptedException {
        while (System.nanoTime() - faultAt < limit.toNanos()) {
            ClusterObservation obs = runtime.observeCluster(desired);
            boolean replica = obs.members().stream().anyMatch(m -> m.name().equals(oldLeader) && m.healthy()
                    && ("replica".equals(m.role()) || "sync_standby".equals(m.role())));
            if (replica && ClusterHealth.problem(plan, obs).isEmpty()) {
                return Duration.ofNanos(System.nanoTime() - faultAt);
            }
            Thread.sleep(250);
        }
        return null;
    }

    private void finish(Database db, Drill drill, DrillFigures figures, boolean passed, String reason) {
        ledger.finish(drill.getId(), figures, passed, reason);
        String message = "Drill " + drill.getId() + " (" + drill.getKind().apiName() + ") " + (passed ? "passed" : "FAILED") + ": " + reason;
        if (passed) {
            events.normal(db.getId(), "DrillPassed", message);
        } else {
            events.warningOnce(db.getId(), "DrillFailed", message);
        }
    }
}
