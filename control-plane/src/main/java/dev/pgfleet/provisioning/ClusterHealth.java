package dev.pgfleet.provisioning;

import dev.pgfleet.blueprint.Plan;
import java.util.Optional;

/** Pure: whether a running database is whole — the rule READY uses, for callers outside the reconciler (drills). */
public final class ClusterHealth {
    private ClusterHealth() {
    }

    /**
     * The first thing that keeps an initialised database from full health: no leader, the pooler not on the
     * leader, a member not running or streaming, a member missing, no synchronous standby where the plan wants one.
     */
    public static Optional<String> problem(Plan plan, ClusterObservation observation) {
        return StatusTransitions.firstProblem(plan, true, observation);
    }
}
