package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseMember;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.DatabaseSchedules;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.OperationState;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.operation.Requester;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/** The backup handler's decisions, with the operations model, the dump and the verification as mocks: no process runs. */
class BackupHandlerTest {
    private final Operations operations = mock(Operations.class);
    private final BackupLedger ledger = mock(BackupLedger.class);
    private final BackupAdmission admission = mock(BackupAdmission.class);
    private final BackupRunner runner = mock(BackupRunner.class);
    private final VerificationHandler verifications = mock(VerificationHandler.class);
    private final DatabaseSchedules schedules = mock(DatabaseSchedules.class);
    private final DatabaseRepository databases = mock(DatabaseRepository.class);
    private final BackupPolicyRepository policies = mock(BackupPolicyRepository.class);
    private final DatabaseEvents events = mock(DatabaseEvents.class);
    private final BackupHandler handler = new BackupHandler(operations, ledger, admission, runner, verifications, schedules, databases,
            policies, events);

    private final UUID databaseId = UUID.randomUUID();
    private final UUID tenantId = UUID.randomUUID();
    private final UUID backupId = UUID.randomUUID();
    private final UUID opId = UUID.randomUUID();
    private final Database db = mock(Database.class);
    private final Backup backup = mock(Backup.class);
    private final DatabaseOperation op = mock(DatabaseOperation.class);
    private final DatabaseMember replica = new DatabaseMember(databaseId, 1, "shop-1", 6001, 7001);

    @BeforeEach
    void aWaitingBackupOfAReadyDatabase() {
        when(db.getId()).thenReturn(databaseId);
        when(db.getTenantId()).thenReturn(tenantId);
        replica.observe("replica", "streaming", 0L);
        when(db.getMembers()).thenReturn(List.of(replica));
        when(databases.findById(databaseId)).thenReturn(Optional.of(db));
        when(backup.getId()).thenReturn(backupId);
        when(backup.getOperationId()).thenReturn(opId);
        when(op.getId()).thenReturn(opId);
        when(op.getDatabaseId()).thenReturn(databaseId);
        when(op.getSubjectId()).thenReturn(backupId);
        when(op.getState()).thenReturn(OperationState.REQUESTED);
        when(operations.find(opId)).thenReturn(Optional.of(op));
        when(ledger.of(op)).thenReturn(Optional.of(backup));
        when(admission.mustWait(tenantId)).thenReturn(Optional.empty());
        when(operations.start(eq(opId), anyString())).thenReturn(true);
        when(policies.findById(databaseId)).thenReturn(Optional.of(BackupPolicy.defaults(databaseId)));
    }

    @Test
    void aSuccessfulDumpFromAReplicaIsVerifiedInTheSameJobThenRetentionApplies() throws Exception {
        handler.run(databaseId, opId);

        verify(operations).start(opId, "Dumping from shop-1");
        verify(ledger).dumpingFrom(backupId, "shop-1");
        verify(runner).dump(backupId, db, replica);
        verify(verifications).verifyNow(db, backupId, Requester.controlPlane());
        verify(runner).applyRetention(eq(databaseId), any());
        verify(operations, never()).retryLater(any(), any());
        verify(operations, never()).fail(any(), any());
    }

    @Test
    void aPolicyWithoutVerificationIsNotVerified() throws Exception {
        when(policies.findById(databaseId)).thenReturn(Optional.of(new BackupPolicy(databaseId, "0 0 3 * * ?", true, 7, null, false)));
        handler.run(databaseId, opId);

        verify(runner).dump(backupId, db, replica);
        verifyNoInteractions(verifications);
    }

    @Test
    void overTheTenantsBoundItWaitsItsTurnWithoutAnAttempt() {
        when(admission.mustWait(tenantId)).thenReturn(Optional.of("Waiting for its turn: at most 1 backups"));
        handler.run(databaseId, opId);

        verify(operations).progress(opId, "Waiting for its turn: at most 1 backups");
        ArgumentCaptor<Duration> delay = ArgumentCaptor.forClass(Duration.class);
        verify(schedules).runSoon(eq(OperationKind.BACKUP), eq(databaseId), eq(opId), delay.capture());
        assertThat(delay.getValue()).isBetween(BackupAdmission.TURN_WAIT, BackupAdmission.TURN_WAIT.plusSeconds(3));
        verify(operations, never()).start(any(), any());
    }

    @Test
    void aFailedFirstAttemptIsRetriedWithBackoffAndSaysWhy() throws Exception {
        doThrow(new SQLException("connection to shop-1 refused", "08001")).when(runner).dump(backupId, db, replica);
        handler.run(databaseId, opId);

        verify(runner).deletePartials(databaseId, backupId);
        verify(operations).retryLater(opId, "Attempt 1 failed, retrying: PostgreSQL: connection to shop-1 refused (SQLSTATE 08001)");
        verify(schedules).runSoon(OperationKind.BACKUP, databaseId, opId, Duration.ofSeconds(30));
        verify(events).warningOnce(eq(databaseId), eq("BackupFailed"), contains("will retry"));
        verifyNoInteractions(verifications);
    }

    @Test
    void theLastAttemptFailsForGood() throws Exception {
        when(op.getAttempts()).thenReturn(BackupHandler.MAX_ATTEMPTS - 1);
        doThrow(new IllegalStateException("pg_dump exited with 1: permission denied for table secrets")).when(runner)
                .dump(backupId, db, replica);
        handler.run(databaseId, opId);

        verify(operations).fail(opId, "pg_dump exited with 1: permission denied for table secrets");
        verify(operations, never()).retryLater(any(), any());
        verify(schedules, never()).runSoon(any(), any(), any(), any());
    }

    @Test
    void noHealthyMemberIsAFailedAttempt() throws Exception {
        replica.observe("replica", "stopped", 0L);
        handler.run(databaseId, opId);

        verify(operations).start(opId, "Looking for a member to dump from");
        verify(operations).retryLater(opId, "Attempt 1 failed, retrying: No healthy member to take the backup from");
        verify(runner, never()).dump(any(), any(), any());
    }

    @Test
    void anOperationClaimedElsewhereOrFinishedIsLeftAlone() throws Exception {
        when(operations.start(eq(opId), anyString())).thenReturn(false);
        handler.run(databaseId, opId);
        verify(runner, never()).dump(any(), any(), any());

        when(op.getState()).thenReturn(OperationState.SUCCEEDED);
        handler.run(databaseId, opId);
        verify(operations, org.mockito.Mockito.times(1)).start(any(), any());
    }

    @Test
    void aDatabaseBeingDeletedIsNotBackedUp() throws Exception {
        when(db.isDeletionRequested()).thenReturn(true);
        handler.run(databaseId, opId);

        verify(operations).fail(opId, "The database is being deleted; no backup was taken.");
        verify(runner, never()).dump(any(), any(), any());
    }

    @Test
    void anInterruptedDumpLosesItsPartialFileAndIsRetriedAtOnce() {
        when(op.getAttempts()).thenReturn(1);
        handler.recoverInterrupted(op);

        verify(runner).deletePartials(databaseId, backupId);
        verify(operations).retryLater(opId, "Attempt 1 failed, retrying: " + BackupHandler.INTERRUPTED);
        verify(schedules).runSoon(OperationKind.BACKUP, databaseId, opId, Duration.ZERO);
    }

    @Test
    void anInterruptedLastAttemptFails() {
        when(op.getAttempts()).thenReturn(BackupHandler.MAX_ATTEMPTS);
        handler.recoverInterrupted(op);

        verify(operations).fail(opId, BackupHandler.INTERRUPTED);
        verify(schedules, never()).runSoon(any(), any(), any(), any());
    }

    @Test
    void theScheduleRequestsThroughAdmissionAndRunsAtOnce() throws Exception {
        when(admission.scheduledBackup(db)).thenReturn(Optional.of(backup));
        handler.onSchedule(databaseId);
        verify(runner).dump(backupId, db, replica);

        when(admission.scheduledBackup(db)).thenReturn(Optional.empty()); // over quota, or one is active already
        handler.onSchedule(databaseId);
        verify(operations, org.mockito.Mockito.times(1)).start(any(), any());
    }

    @Test
    void retriesBackOffUpToEightMinutes() {
        assertThat(BackupHandler.retryDelay(1)).isEqualTo(Duration.ofSeconds(30));
        assertThat(BackupHandler.retryDelay(2)).isEqualTo(Duration.ofSeconds(60));
        assertThat(BackupHandler.retryDelay(9)).isEqualTo(Duration.ofMinutes(8));
    }
}
