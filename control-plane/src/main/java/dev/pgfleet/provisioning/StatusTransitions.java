package dev.pgfleet.provisioning;

import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.database.DatabaseStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Pure: the status a database should have, given what was observed. */
final class StatusTransitions {

    private StatusTransitions() {
    }

    record Next(DatabaseStatus status, String reason) {
    }

    /**
     * @param current     the status stored now
     * @param initialized whether the tenant database, owner and pgvector exist
     * @param age         time since the database was requested
     * @param deadline    how long provisioning may take before the database is FAILED
     */
    static Next next(DatabaseStatus current, Plan plan, boolean initialized, ClusterObservation obs,
                     Duration age, Duration deadline) {
        Optional<String> problem = firstProblem(plan, initialized, obs);
        if (problem.isEmpty()) {
            String leader = obs.leader().orElseThrow();
            return new Next(DatabaseStatus.READY, plan.members() == 1
                    ? "Running; the pooler sends connections to " + leader
                    : "All " + plan.members() + " members running; leader " + leader + ", pooler follows it");
        }
        String reason = problem.get();
        boolean neverReady = current == DatabaseStatus.PENDING || current == DatabaseStatus.PROVISIONING
                || (current == DatabaseStatus.FAILED && !initialized);
        if (neverReady) {
            if (age.compareTo(deadline) > 0) {
                return new Next(DatabaseStatus.FAILED, "Not ready " + deadline.toSeconds() + "s after the request: " + reason);
            }
            return new Next(DatabaseStatus.PROVISIONING, reason);
        }
        return new Next(current == DatabaseStatus.FAILED ? DatabaseStatus.FAILED : DatabaseStatus.DEGRADED, reason);
    }

    /**
     * The status after a pass that failed with {@code error}. Only a database that was never ready changes:
     * its reason shows the error and, past the deadline, it is FAILED. A database that was running keeps
     * its status until the next successful observation says otherwise.
     */
    static Optional<Next> afterFailure(DatabaseStatus current, boolean initialized, Duration age, Duration deadline,
                                       String error) {
        boolean neverReady = current == DatabaseStatus.PENDING || current == DatabaseStatus.PROVISIONING
                || (current == DatabaseStatus.FAILED && !initialized);
        if (!neverReady) {
            return Optional.empty();
        }
        if (age.compareTo(deadline) > 0) {
            return Optional.of(new Next(DatabaseStatus.FAILED, "Not ready " + deadline.toSeconds() + "s after the request: " + error));
        }
        return Optional.of(new Next(DatabaseStatus.PROVISIONING, "Retrying after an error: " + error));
    }

    /** The first thing that keeps the database from READY, in the order a person would check. */
    static Optional<String> firstProblem(Plan plan, boolean initialized, ClusterObservation obs) {
        if (obs.leader().isEmpty()) {
            return Optional.of("No leader: waiting for Patroni to elect one");
        }
        String leader = obs.leader().get();
        if (!initialized) {
            return Optional.of("Creating the database, its owner and the vector extension on " + leader);
        }
        if (!obs.poolerRunning()) {
            return Optional.of("The pooler is not running");
        }
        if (!obs.poolerTarget().equals(Optional.of(leader))) {
            return Optional.of("The pooler points at " + obs.poolerTarget().orElse("nothing") + " but the leader is " + leader);
        }
        List<ClusterObservation.MemberObservation> unhealthy = obs.members().stream().filter(m -> !m.healthy()).toList();
        if (!unhealthy.isEmpty()) {
            ClusterObservation.MemberObservation m = unhealthy.get(0);
            return Optional.of((unhealthy.size() == 1 ? "Member " : unhealthy.size() + " members not running, e.g. ") + m.name()
                    + (unhealthy.size() == 1 ? " is " : " ") + (m.processRunning() ? m.state() : "not running"));
        }
        if (obs.members().size() < plan.members()) {
            return Optional.of("Only " + obs.members().size() + " of " + plan.members() + " members are known to Patroni");
        }
        if (plan.synchronous() && obs.members().stream().noneMatch(m -> "sync_standby".equals(m.role()))) {
            return Optional.of("No synchronous standby yet");
        }
        return Optional.empty();
    }
}
