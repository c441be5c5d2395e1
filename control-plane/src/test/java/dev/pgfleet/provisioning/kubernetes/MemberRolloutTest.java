package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.provisioning.kubernetes.MemberRollout.DeletePod;
import dev.pgfleet.provisioning.kubernetes.MemberRollout.Done;
import dev.pgfleet.provisioning.kubernetes.MemberRollout.Member;
import dev.pgfleet.provisioning.kubernetes.MemberRollout.Step;
import dev.pgfleet.provisioning.kubernetes.MemberRollout.Switchover;
import dev.pgfleet.provisioning.kubernetes.MemberRollout.Wait;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The rolling planner, case by case: which one step it takes for each state of the members. */
class MemberRolloutTest {
    private static final String NEW = "shop-abc-7d9f";
    private static final String OLD = "shop-abc-5c4b";
    private static final long MAX_LAG = 1 << 20;

    private static Member leader(String pod, String revision) {
        return new Member(pod, revision, true, "leader", "running", null);
    }

    private static Member sync(String pod, String revision) {
        return new Member(pod, revision, true, "sync_standby", "streaming", 0L);
    }

    private static Member replica(String pod, String revision, long lag) {
        return new Member(pod, revision, true, "replica", "streaming", lag);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("all members updated", NEW, 3,
                        List.of(leader("m-0", NEW), sync("m-1", NEW), replica("m-2", NEW, 0)), new Done()),
                Arguments.of("no update revision yet", null, 3,
                        List.of(leader("m-0", OLD), sync("m-1", OLD), replica("m-2", OLD, 0)),
                        new Wait("the StatefulSet has no update revision yet")),
                Arguments.of("replicas go first, one at a time, the synchronous standby last", NEW, 3,
                        List.of(leader("m-0", OLD), sync("m-1", OLD), replica("m-2", OLD, 0)), new DeletePod("m-2", false)),
                Arguments.of("asynchronous replicas in name order", NEW, 3,
                        List.of(leader("m-0", OLD), replica("m-1", OLD, 0), replica("m-2", OLD, 0)), new DeletePod("m-1", false)),
                Arguments.of("the synchronous standby once the others are updated", NEW, 3,
                        List.of(leader("m-0", OLD), sync("m-1", OLD), replica("m-2", NEW, 0)), new DeletePod("m-1", false)),
                Arguments.of("an updated replica is skipped", NEW, 3,
                        List.of(leader("m-0", OLD), sync("m-1", NEW), replica("m-2", OLD, 0)), new DeletePod("m-2", false)),
                Arguments.of("a pod not ready: wait", NEW, 3,
                        List.of(leader("m-0", OLD), new Member("m-1", NEW, false, null, null, null), replica("m-2", OLD, 0)),
                        new Wait("m-1 is not ready")),
                Arguments.of("a member Patroni still starts: wait", NEW, 3,
                        List.of(leader("m-0", OLD), new Member("m-1", NEW, true, "replica", "starting", null), replica("m-2", OLD, 0)),
                        new Wait("m-1 is starting")),
                Arguments.of("a member Patroni does not report: wait", NEW, 3,
                        List.of(leader("m-0", OLD), new Member("m-1", NEW, true, null, null, null), replica("m-2", OLD, 0)),
                        new Wait("m-1 is not reported by Patroni")),
                Arguments.of("a lagging replica: wait (even to delete another)", NEW, 3,
                        List.of(leader("m-0", OLD), sync("m-1", OLD), replica("m-2", NEW, MAX_LAG + 1)),
                        new Wait("m-2 lags " + (MAX_LAG + 1) + " bytes")),
                Arguments.of("a replica with unknown lag: wait", NEW, 3,
                        List.of(leader("m-0", OLD), sync("m-1", OLD), new Member("m-2", NEW, true, "replica", "streaming", null)),
                        new Wait("m-2 lags an unknown amount")),
                Arguments.of("a member pod missing: wait", NEW, 3,
                        List.of(leader("m-0", OLD), sync("m-1", NEW)), new Wait("2 of 3 member pods exist")),
                Arguments.of("no leader: wait", NEW, 3,
                        List.of(replica("m-0", OLD, 0), sync("m-1", NEW), replica("m-2", NEW, 0)), new Wait("there is no leader")),
                Arguments.of("two leaders: wait", NEW, 3,
                        List.of(leader("m-0", OLD), leader("m-1", NEW), replica("m-2", NEW, 0)),
                        new Wait("more than one member reports itself leader")),
                Arguments.of("the leader is the only outdated: switchover first, to the synchronous standby", NEW, 3,
                        List.of(leader("m-0", OLD), replica("m-1", NEW, 0), sync("m-2", NEW)), new Switchover("m-0", "m-2")),
                Arguments.of("without a synchronous standby: to the least lagging replica", NEW, 3,
                        List.of(leader("m-0", OLD), replica("m-1", NEW, 500), replica("m-2", NEW, 20)), new Switchover("m-0", "m-2")),
                Arguments.of("after the switchover the old leader is an outdated replica: delete it", NEW, 3,
                        List.of(replica("m-0", OLD, 0), sync("m-1", NEW), leader("m-2", NEW)), new DeletePod("m-0", false)),
                Arguments.of("dev, one member: delete it, no switchover possible", NEW, 1,
                        List.of(leader("m-0", OLD)), new DeletePod("m-0", true)),
                Arguments.of("dev, its one member not ready: wait", NEW, 1,
                        List.of(new Member("m-0", OLD, false, null, null, null)), new Wait("m-0 is not ready")),
                Arguments.of("dev, updated", NEW, 1, List.of(leader("m-0", NEW)), new Done()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void takesOneStep(String situation, String updateRevision, int desired, List<Member> members, Step expected) {
        assertThat(MemberRollout.next(updateRevision, desired, members, MAX_LAG)).isEqualTo(expected);
    }
}
