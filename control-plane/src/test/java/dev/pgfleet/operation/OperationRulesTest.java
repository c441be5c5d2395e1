package dev.pgfleet.operation;

import static dev.pgfleet.operation.OperationKind.BACKUP;
import static dev.pgfleet.operation.OperationKind.DRILL;
import static dev.pgfleet.operation.OperationKind.POINT_IN_TIME_RESTORE;
import static dev.pgfleet.operation.OperationKind.RESIZE;
import static dev.pgfleet.operation.OperationKind.RESTORE;
import static dev.pgfleet.operation.OperationKind.ROLLING_RESTART;
import static dev.pgfleet.operation.OperationKind.SWITCHOVER;
import static dev.pgfleet.operation.OperationKind.VERIFICATION;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The lock's table and the lifecycle's transitions, spelled out: a change to either must change this test. */
class OperationRulesTest {

    /** Each row: an active operation, then the kinds that may NOT be requested while it is active. */
    @ParameterizedTest(name = "{0} blocks {1}")
    @CsvSource(delimiter = '|', value = {
            "BACKUP                | BACKUP RESTORE POINT_IN_TIME_RESTORE RESIZE",
            "VERIFICATION          | VERIFICATION",
            "RESTORE               | BACKUP RESTORE SWITCHOVER DRILL POINT_IN_TIME_RESTORE RESIZE ROLLING_RESTART",
            "POINT_IN_TIME_RESTORE | BACKUP RESTORE SWITCHOVER DRILL POINT_IN_TIME_RESTORE RESIZE ROLLING_RESTART",
            "SWITCHOVER            | RESTORE SWITCHOVER DRILL POINT_IN_TIME_RESTORE RESIZE ROLLING_RESTART",
            "DRILL                 | RESTORE SWITCHOVER DRILL POINT_IN_TIME_RESTORE RESIZE ROLLING_RESTART",
            "RESIZE                | BACKUP RESTORE SWITCHOVER DRILL POINT_IN_TIME_RESTORE RESIZE ROLLING_RESTART",
            "ROLLING_RESTART       | RESTORE SWITCHOVER DRILL POINT_IN_TIME_RESTORE RESIZE ROLLING_RESTART",
    })
    void whatBlocksWhat(OperationKind active, String blocked) {
        List<OperationKind> actual = new ArrayList<>();
        for (OperationKind wanted : OperationKind.values()) {
            if (OperationConflicts.conflicts(wanted, active)) {
                actual.add(wanted);
            }
        }
        assertThat(actual).containsExactly(java.util.Arrays.stream(blocked.trim().split("\\s+")).map(OperationKind::valueOf)
                .toArray(OperationKind[]::new));
    }

    @Test
    void theTableIsSymmetric() {
        for (OperationKind a : OperationKind.values()) {
            for (OperationKind b : OperationKind.values()) {
                assertThat(OperationConflicts.conflicts(a, b)).as(a + " vs " + b).isEqualTo(OperationConflicts.conflicts(b, a));
            }
        }
    }

    @Test
    void aVerificationNeverWaitsForTheDatabase() {
        for (OperationKind k : List.of(BACKUP, RESTORE, SWITCHOVER, DRILL, POINT_IN_TIME_RESTORE, RESIZE, ROLLING_RESTART)) {
            assertThat(OperationConflicts.conflicts(VERIFICATION, k)).as(k.name()).isFalse();
        }
    }

    /** Each row: a state, then the states it may move to. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "REQUESTED | RUNNING FAILED",
            "RUNNING   | REQUESTED SUCCEEDED FAILED",
            "SUCCEEDED | ",
            "FAILED    | ",
    })
    void lifecycle(OperationState from, String to) {
        List<OperationState> actual = new ArrayList<>();
        for (OperationState next : OperationState.values()) {
            if (from.canMoveTo(next)) {
                actual.add(next);
            }
        }
        List<OperationState> expected = to == null ? List.of()
                : java.util.Arrays.stream(to.trim().split("\\s+")).map(OperationState::valueOf).toList();
        assertThat(actual).containsExactlyElementsOf(expected);
        assertThat(from.isActive()).isEqualTo(from == OperationState.REQUESTED || from == OperationState.RUNNING);
    }

    @Test
    void apiNamesRoundTrip() {
        for (OperationKind k : OperationKind.values()) {
            assertThat(OperationKind.fromApiName(k.apiName())).contains(k);
        }
        assertThat(OperationKind.fromApiName("BACKUP")).isEmpty();
    }

    @Test
    void requesterIsStoredAsShortText() {
        var id = java.util.UUID.randomUUID();
        assertThat(Requester.parse(Requester.user(id).stored())).isEqualTo(Requester.user(id));
        assertThat(Requester.parse("schedule")).isEqualTo(Requester.schedule());
        assertThat(Requester.parse("control-plane").apiName()).isEqualTo("control-plane");
    }

    @Test
    void failureReasonsSayWhatFailedWithoutClassNames() {
        assertThat(FailureReasons.describe(new RuntimeException(new java.sql.SQLException("relation \"t\" does not exist\n  Position: 15", "42P01"))))
                .isEqualTo("PostgreSQL: relation \"t\" does not exist (SQLSTATE 42P01)");
        assertThat(FailureReasons.describe(new IllegalStateException())).isEqualTo("unexpected IllegalStateException");
        assertThat(FailureReasons.describe(new java.net.ConnectException())).isEqualTo("could not connect: connection refused");
        assertThat(FailureReasons.describe(new RuntimeException("x".repeat(900)))).hasSize(500);
    }
}
