package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.database.DatabaseStatus;
import dev.pgfleet.database.RuntimeInfo;
import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.DatabaseSchedules;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.OperationState;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.provisioning.DesiredClusters;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.system.process.PostgresInstallations;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The restore handler's decisions before pg_restore: waiting for the target, its deadline, the cluster-wide turn. No process runs. */
class RestoreHandlerTest {
    private final Operations operations = mock(Operations.class);
    private final DatabaseSchedules schedules = mock(DatabaseSchedules.class);
    private final RestoreRepository restores = mock(RestoreRepository.class);
    private final DatabaseRepository databases = mock(DatabaseRepository.class);
    private final DatabaseEvents events = mock(DatabaseEvents.class);
    private final RestoreAdmission admission = mock(RestoreAdmission.class);
    private final RestoreHandler handler = new RestoreHandler(operations, schedules, restores, mock(BackupRepository.class), databases,
            mock(DesiredClusters.class), mock(RuntimeInfo.class), mock(PostgresInstallations.class), mock(LocalProcesses.class),
            mock(BackupStore.class), events, admission);

    private final UUID targetId = UUID.randomUUID();
    private final UUID opId = UUID.randomUUID();
    private final UUID restoreId = UUID.randomUUID();
    private final Database target = mock(Database.class);
    private final DatabaseOperation op = mock(DatabaseOperation.class);

    @BeforeEach
    void aRestoreRequestedAMinuteAgoIntoATargetBeingProvisioned() {
        when(op.getId()).thenReturn(opId);
        when(op.getDatabaseId()).thenReturn(targetId);
        when(op.getSubjectId()).thenReturn(restoreId);
        when(op.getState()).thenReturn(OperationState.REQUESTED);
        when(op.getRequestedAt()).thenReturn(Instant.now().minus(Duration.ofMinutes(1)));
        when(operations.find(opId)).thenReturn(Optional.of(op));
        when(restores.findById(restoreId)).thenReturn(Optional.of(mock(Restore.class)));
        when(target.getId()).thenReturn(targetId);
        when(target.getStatus()).thenReturn(DatabaseStatus.PROVISIONING);
        when(databases.findById(targetId)).thenReturn(Optional.of(target));
        when(admission.mustWait()).thenReturn(Optional.empty());
    }

    @Test
    void aTargetStillBeingProvisionedIsLookedAtAgainSoon() {
        handler.run(targetId, opId);

        verify(schedules).runSoon(OperationKind.RESTORE, targetId, opId, RestoreHandler.TARGET_POLL);
        verify(operations, never()).fail(any(), anyString());
        verify(operations, never()).start(any(), anyString());
    }

    @Test
    void aTargetNotReadyPastTheDeadlineFailsTheRestoreWithTheReason() {
        when(op.getRequestedAt()).thenReturn(Instant.now().minus(RestoreHandler.TARGET_WAIT).minusSeconds(1));

        handler.run(targetId, opId);

        verify(operations).fail(eq(opId), contains("did not become READY within 30 minutes"));
        verify(schedules, never()).runSoon(any(), any(), any(), any());
        verify(operations, never()).start(any(), anyString());
    }

    @Test
    void aFailedTargetFailsTheRestoreAtOnce() {
        when(target.getStatus()).thenReturn(DatabaseStatus.FAILED);
        when(target.getStatusReason()).thenReturn("no leader");

        handler.run(targetId, opId);

        verify(operations).fail(eq(opId), contains("FAILED: no leader"));
        verify(schedules, never()).runSoon(any(), any(), any(), any());
    }

    @Test
    void aTargetBeingDeletedFailsTheRestoreAtOnce() {
        when(target.isDeletionRequested()).thenReturn(true);

        handler.run(targetId, opId);

        verify(operations).fail(eq(opId), contains("being deleted"));
        verify(schedules, never()).runSoon(any(), any(), any(), any());
    }

    @Test
    void aReadyTargetsRestoreOverTheClusterWideBoundWaitsItsTurnWithTheReason() {
        when(target.getStatus()).thenReturn(DatabaseStatus.READY);
        when(admission.mustWait()).thenReturn(Optional.of("Waiting for its turn: at most 2 restores run at once"));

        handler.run(targetId, opId);

        verify(operations).progress(opId, "Waiting for its turn: at most 2 restores run at once");
        verify(schedules).runSoon(eq(OperationKind.RESTORE), eq(targetId), eq(opId), any(Duration.class));
        verify(operations, never()).start(any(), anyString());
        verify(operations, never()).fail(any(), anyString());
    }

    @Test
    void theDeadlineIsCountedFromTheRequest() {
        Instant requested = Instant.parse("2026-01-01T00:00:00Z");
        when(op.getRequestedAt()).thenReturn(requested);

        assertThat(RestoreHandler.waitedTooLong(op, requested.plus(RestoreHandler.TARGET_WAIT))).isFalse();
        assertThat(RestoreHandler.waitedTooLong(op, requested.plus(RestoreHandler.TARGET_WAIT).plusSeconds(1))).isTrue();
    }

    @Test
    void atMostAQuarterOfTheWorkersRunRestoresAndAlwaysAtLeastOne() {
        assertThat(RestoreAdmission.maxExecuting(8)).isEqualTo(2);
        assertThat(RestoreAdmission.maxExecuting(16)).isEqualTo(4);
        assertThat(RestoreAdmission.maxExecuting(3)).isEqualTo(1);
        assertThat(RestoreAdmission.maxExecuting(1)).isEqualTo(1);
    }
}
