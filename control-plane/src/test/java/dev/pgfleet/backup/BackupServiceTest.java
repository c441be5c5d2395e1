package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.database.DatabaseStatus;
import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.DatabaseSchedules;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.OperationState;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.problem.Conflict;
import dev.pgfleet.security.TenantPrincipal;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** The backup service's restore and delete rules, with repositories, locks and the operations model as mocks. */
class BackupServiceTest {
    private final DatabaseService databaseService = mock(DatabaseService.class);
    private final BackupRepository backups = mock(BackupRepository.class);
    private final BackupLedger ledger = mock(BackupLedger.class);
    private final Operations operations = mock(Operations.class);
    private final BackupStore store = mock(BackupStore.class);
    private final RestoreRepository restores = mock(RestoreRepository.class);
    private final RestoreAdmission restoreAdmission = mock(RestoreAdmission.class);
    private final BackupService service = new BackupService(databaseService, mock(DatabaseRepository.class),
            mock(BackupPolicyRepository.class), backups, ledger, mock(DatabaseSchedules.class), operations, store, restores,
            mock(BackupProperties.class), mock(BackupQuota.class), restoreAdmission);

    private final UUID tenantId = UUID.randomUUID();
    private final UUID databaseId = UUID.randomUUID();
    private final UUID backupId = UUID.randomUUID();
    private final TenantPrincipal caller = new TenantPrincipal(tenantId, "acme", UUID.randomUUID(), false);
    private final Database db = mock(Database.class);
    private final Backup backup = mock(Backup.class);

    @BeforeEach
    void aReadyDatabaseWithASuccessfulBackup() {
        when(db.getId()).thenReturn(databaseId);
        when(db.getTenantId()).thenReturn(tenantId);
        when(db.getStatus()).thenReturn(DatabaseStatus.READY);
        when(databaseService.get(caller, databaseId)).thenReturn(db);
        when(backup.getId()).thenReturn(backupId);
        when(backup.getDatabaseId()).thenReturn(databaseId);
        when(backup.getFileName()).thenReturn(backupId + ".dump");
        when(backup.getStatus()).thenReturn(Backup.Status.SUCCEEDED);
        when(backups.findByIdAndDatabaseId(backupId, databaseId)).thenReturn(Optional.of(backup));
        when(restores.findByBackupId(backupId)).thenReturn(List.of());
    }

    @Test
    void anOverwriteRestoreOfADatabaseThatIsNotReadyIsRefusedAndRequestsNothing() {
        when(db.getStatus()).thenReturn(DatabaseStatus.DEGRADED);

        assertThatThrownBy(() -> service.requestRestore(caller, databaseId, new BackupService.RestoreRequest(backupId, null, true)))
                .isInstanceOf(Conflict.class).hasMessageContaining("DEGRADED").hasMessageContaining("READY");
        verifyNoInteractions(operations, restoreAdmission);
    }

    @Test
    void anOverwriteRestoreLocksTheTenantBeforeTheDatabaseThenCountsTheTenantsRestores() {
        DatabaseOperation op = mock(DatabaseOperation.class);
        when(op.getId()).thenReturn(UUID.randomUUID());
        when(op.getDatabaseId()).thenReturn(databaseId);
        when(operations.request(any(), any(), any(), any(), any(), anyString())).thenReturn(new Operations.Result.Requested(op));
        when(restores.save(any())).thenAnswer(i -> i.getArgument(0));

        service.requestRestore(caller, databaseId, new BackupService.RestoreRequest(backupId, null, true));

        InOrder order = inOrder(restoreAdmission, operations);
        order.verify(restoreAdmission).lockTenant(tenantId);
        order.verify(operations).request(any(), any(), any(), any(), any(), anyString());
        order.verify(restoreAdmission).require(tenantId, true);
    }

    @Test
    void aBackupBeingVerifiedIsNotDeleted() throws Exception {
        DatabaseOperation verification = active(OperationKind.VERIFICATION, backupId);
        when(operations.active(databaseId)).thenReturn(List.of(verification));

        assertThatThrownBy(() -> service.delete(caller, databaseId, backupId))
                .isInstanceOf(Conflict.class).hasMessageContaining("being verified")
                .hasMessageContaining(verification.getId().toString());
        verify(store, never()).delete(any(), any());
        verify(ledger, never()).delete(any());
    }

    @Test
    void aBackupBeingRestoredIsNotDeleted() throws Exception {
        DatabaseOperation restoring = active(OperationKind.RESTORE, UUID.randomUUID());
        Restore restore = mock(Restore.class);
        when(restore.getOperation()).thenReturn(restoring);
        when(restores.findByBackupId(backupId)).thenReturn(List.of(restore));
        when(operations.active(databaseId)).thenReturn(List.of());

        assertThatThrownBy(() -> service.delete(caller, databaseId, backupId))
                .isInstanceOf(Conflict.class).hasMessageContaining("being restored")
                .hasMessageContaining(restoring.getId().toString());
        verify(store, never()).delete(any(), any());
    }

    @Test
    void aBackupIsDeletedWhenOnlyOtherBackupsAreInUseAndItsRestoresAreFinished() throws Exception {
        DatabaseOperation otherVerification = active(OperationKind.VERIFICATION, UUID.randomUUID());
        when(operations.active(databaseId)).thenReturn(List.of(otherVerification));
        DatabaseOperation finished = mock(DatabaseOperation.class);
        when(finished.getState()).thenReturn(OperationState.SUCCEEDED);
        Restore restore = mock(Restore.class);
        when(restore.getOperation()).thenReturn(finished);
        when(restores.findByBackupId(backupId)).thenReturn(List.of(restore));

        service.delete(caller, databaseId, backupId);

        verify(store).delete(databaseId, backupId + ".dump");
        verify(ledger).delete(backupId);
    }

    private DatabaseOperation active(OperationKind kind, UUID subjectId) {
        DatabaseOperation op = mock(DatabaseOperation.class);
        when(op.getId()).thenReturn(UUID.randomUUID());
        when(op.getKind()).thenReturn(kind);
        when(op.getSubjectId()).thenReturn(subjectId);
        when(op.getState()).thenReturn(OperationState.RUNNING);
        when(op.getDatabaseId()).thenReturn(UUID.randomUUID());
        assertThat(op.getState().isActive()).isTrue();
        return op;
    }
}
