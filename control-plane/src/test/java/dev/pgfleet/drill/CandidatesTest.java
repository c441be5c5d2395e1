package dev.pgfleet.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.provisioning.ClusterObservation;
import dev.pgfleet.provisioning.ClusterObservation.MemberObservation;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CandidatesTest {
    private static final ClusterObservation HEALTHY = new ClusterObservation(List.of(
            new MemberObservation("db-0", true, "leader", "running", 0L),
            new MemberObservation("db-1", true, "replica", "streaming", 0L),
            new MemberObservation("db-2", true, "sync_standby", "streaming", 0L)), Optional.of("db-0"), true, Optional.of("db-0"));

    @Test
    void synchronousModeHandsOverToTheSynchronousStandby() {
        assertThat(Candidates.choose(Plan.HA, HEALTHY, null, "db-0").member()).isEqualTo("db-2");
        assertThat(Candidates.choose(Plan.HA, HEALTHY, "db-2", "db-0").member()).isEqualTo("db-2");
    }

    @Test
    void anAsynchronousReplicaIsRefusedInSynchronousModeWithTheReason() {
        Candidates.Choice c = Candidates.choose(Plan.HA, HEALTHY, "db-1", "db-0");

        assertThat(c.member()).isNull();
        assertThat(c.refusal()).contains("synchronous standby (db-2)").contains("db-1 is an asynchronous replica");
    }

    @Test
    void unknownLeaderAndUnhealthyCandidatesAreRefused() {
        assertThat(Candidates.choose(Plan.HA, HEALTHY, "db-9", "db-0").refusal()).contains("not a member").contains("db-0, db-1, db-2");
        assertThat(Candidates.choose(Plan.HA, HEALTHY, "db-0", "db-0").refusal()).contains("already the leader");
        ClusterObservation standbyDown = new ClusterObservation(List.of(
                new MemberObservation("db-0", true, "leader", "running", 0L),
                new MemberObservation("db-2", false, "sync_standby", "stopped", null)), Optional.of("db-0"), true, Optional.of("db-0"));
        assertThat(Candidates.choose(Plan.HA, standbyDown, "db-2", "db-0").refusal()).contains("not a healthy replica");
        assertThat(Candidates.choose(Plan.HA, standbyDown, null, "db-0").refusal()).contains("no healthy synchronous standby");
    }
}
