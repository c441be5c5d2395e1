package dev.pgfleet.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.database.DatabaseStatus;
import dev.pgfleet.provisioning.ClusterObservation.MemberObservation;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusTransitionsTest {
    private static final Duration DEADLINE = Duration.ofMinutes(5);
    private static final Duration EARLY = Duration.ofSeconds(3);

    private static MemberObservation member(String name, String role) {
        return new MemberObservation(name, true, role, "running", 0L);
    }

    private static ClusterObservation healthyHa() {
        return new ClusterObservation(List.of(member("shop-0", "leader"), member("shop-1", "sync_standby"), member("shop-2", "replica")),
                Optional.of("shop-0"), true, Optional.of("shop-0"));
    }

    @Test
    void aHealthyHaClusterIsReady() {
        var next = StatusTransitions.next(DatabaseStatus.PROVISIONING, Plan.HA, true, healthyHa(), EARLY, DEADLINE);
        assertThat(next.status()).isEqualTo(DatabaseStatus.READY);
        assertThat(next.reason()).contains("leader shop-0");
    }

    @Test
    void withoutALeaderAProvisioningDatabaseKeepsProvisioningUntilTheDeadline() {
        var noLeader = new ClusterObservation(List.of(), Optional.empty(), false, Optional.empty());
        assertThat(StatusTransitions.next(DatabaseStatus.PENDING, Plan.HA, false, noLeader, EARLY, DEADLINE))
                .isEqualTo(new StatusTransitions.Next(DatabaseStatus.PROVISIONING, "No leader: waiting for Patroni to elect one"));
        var failed = StatusTransitions.next(DatabaseStatus.PROVISIONING, Plan.HA, false, noLeader, DEADLINE.plusSeconds(1), DEADLINE);
        assertThat(failed.status()).isEqualTo(DatabaseStatus.FAILED);
        assertThat(failed.reason()).contains("Not ready 300s after the request").contains("No leader");
    }

    @Test
    void aReadyDatabaseThatLosesAMemberIsDegradedAndRecovers() {
        var obs = healthyHa();
        var oneDown = new ClusterObservation(List.of(obs.members().get(0), obs.members().get(1),
                new MemberObservation("shop-2", false, null, "stopped", null)), obs.leader(), true, obs.poolerTarget());
        var degraded = StatusTransitions.next(DatabaseStatus.READY, Plan.HA, true, oneDown, Duration.ofHours(1), DEADLINE);
        assertThat(degraded).isEqualTo(new StatusTransitions.Next(DatabaseStatus.DEGRADED, "Member shop-2 is not running"));
        assertThat(StatusTransitions.next(DatabaseStatus.DEGRADED, Plan.HA, true, obs, Duration.ofHours(1), DEADLINE).status())
                .isEqualTo(DatabaseStatus.READY);
    }

    @Test
    void aPoolerPointingAtAFormerLeaderIsNotReady() {
        var obs = healthyHa();
        var stale = new ClusterObservation(obs.members(), Optional.of("shop-1"), true, Optional.of("shop-0"));
        assertThat(StatusTransitions.firstProblem(Plan.HA, true, stale))
                .contains("The pooler points at shop-0 but the leader is shop-1");
    }

    @Test
    void haNeedsASynchronousStandbyButDevDoesNot() {
        var noSync = new ClusterObservation(List.of(member("shop-0", "leader"), member("shop-1", "replica"), member("shop-2", "replica")),
                Optional.of("shop-0"), true, Optional.of("shop-0"));
        assertThat(StatusTransitions.firstProblem(Plan.HA, true, noSync)).contains("No synchronous standby yet");
        var dev = new ClusterObservation(List.of(member("shop-0", "leader")), Optional.of("shop-0"), true, Optional.of("shop-0"));
        assertThat(StatusTransitions.firstProblem(Plan.DEV, true, dev)).isEmpty();
    }

    @Test
    void aFailedStepShowsOnlyWhileProvisioningAndFailsPastTheDeadline() {
        assertThat(StatusTransitions.afterFailure(DatabaseStatus.PROVISIONING, false, EARLY, DEADLINE, "etcd is down"))
                .contains(new StatusTransitions.Next(DatabaseStatus.PROVISIONING, "Retrying after an error: etcd is down"));
        assertThat(StatusTransitions.afterFailure(DatabaseStatus.PROVISIONING, false, DEADLINE.plusSeconds(1), DEADLINE, "etcd is down")
                .map(StatusTransitions.Next::status)).contains(DatabaseStatus.FAILED);
        assertThat(StatusTransitions.afterFailure(DatabaseStatus.READY, true, EARLY, DEADLINE, "etcd is down")).isEmpty();
    }
}
