package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.DatabaseSchedules;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.system.PgfleetProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * The verification handler (formerly BackupRunner.verify, BackupRunnerVerifyTest) hands the stored dump and its manifest
 * to the runtime's DumpVerification and records what it says on the backup and its VERIFICATION operation; an
 * interrupted one is cleaned up and failed with the reason. No process runs.
 */
class VerificationHandlerTest {
    private final BackupLedger ledger = mock(BackupLedger.class);
    private final Operations operations = mock(Operations.class);
    private final DatabaseRepository databases = mock(DatabaseRepository.class);
    private final DatabaseEvents events = mock(DatabaseEvents.class);
    private final Backup backup = mock(Backup.class);
    private final Database database = mock(Database.class);
    private final UUID backupId = UUID.randomUUID();
    private final UUID databaseId = UUID.randomUUID();
    private final UUID operationId = UUID.randomUUID();
    private final DumpManifest manifest = new DumpManifest("shop", Map.of("public.items", 3L), List.of("public.items_pkey"), List.of("vector"));
    private final List<Object[]> calls = new ArrayList<>();
    private final List<Backup> cleanedUp = new ArrayList<>();

    @BeforeEach
    void aStoredBackup() throws Exception {
        when(ledger.find(backupId)).thenReturn(Optional.of(backup));
        when(backup.getId()).thenReturn(backupId);
        when(backup.getDatabaseId()).thenReturn(databaseId);
        when(backup.getStatus()).thenReturn(Backup.Status.SUCCEEDED);
        when(backup.getFileName()).thenReturn(backupId + ".dump");
        when(backup.getManifest()).thenReturn(new ObjectMapper().writeValueAsString(manifest));
        when(databases.findById(databaseId)).thenReturn(Optional.of(database));
        when(database.getId()).thenReturn(databaseId);
        when(operations.start(eq(operationId), anyString())).thenReturn(true);
    }

    @Test
    void aPassedVerificationIsRecordedWithItsReasonAndTime() {
        handler(() -> new VerificationResult(true, "restored 1 table, 3 rows, 1 index; vector present", Duration.ofSeconds(4)))
                .verify(database, operationId, backupId);

        assertThat(calls).singleElement().satisfies(call -> {
            assertThat(call[0]).isSameAs(database);
            assertThat(call[2]).isEqualTo(Path.of("/var/lib/pgfleet-backups", databaseId.toString(), backupId + ".dump"));
            assertThat(call[3]).isEqualTo(manifest);
        });
        verify(operations).start(eq(operationId), contains(backupId.toString()));
        verify(ledger).verified(backupId, operationId, true, "restored 1 table, 3 rows, 1 index; vector present", Duration.ofSeconds(4));
        verify(events).normal(eq(databaseId), eq("BackupVerified"), contains("verified: restored 1 table"));
    }

    @Test
    void aVerificationThatCouldNotRunIsRecordedAsFailed() {
        handler(() -> {
            throw new IllegalStateException("the Kubernetes API is unreachable");
        }).verify(database, operationId, backupId);

        verify(ledger).verified(backupId, operationId, false, "Verification could not run: the Kubernetes API is unreachable", Duration.ZERO);
        verify(events).warningOnce(eq(databaseId), eq("BackupVerificationFailed"), contains("FAILED verification"));
    }

    @Test
    void aVerificationClaimedElsewhereIsNotRunTwice() {
        when(operations.start(eq(operationId), anyString())).thenReturn(false);
        handler(() -> new VerificationResult(true, "restored", Duration.ZERO)).verify(database, operationId, backupId);

        assertThat(calls).isEmpty();
        verify(ledger, never()).verified(any(), any(), anyBoolean(), any(), any());
    }

    @Test
    void anInterruptedVerificationIsCleanedUpAndFailedWithTheReason() {
        DatabaseOperation op = mock(DatabaseOperation.class);
        when(op.getId()).thenReturn(operationId);
        when(op.getDatabaseId()).thenReturn(databaseId);
        when(op.getSubjectId()).thenReturn(backupId);
        when(ledger.of(op)).thenReturn(Optional.of(backup));

        handler(() -> new VerificationResult(true, "never run", Duration.ZERO)).recoverInterrupted(op);

        assertThat(cleanedUp).containsExactly(backup);
        assertThat(calls).as("not verified again by itself").isEmpty();
        verify(ledger).verified(backupId, operationId, false, VerificationHandler.INTERRUPTED, Duration.ZERO);
        verify(events).warningOnce(eq(databaseId), eq("BackupVerificationFailed"), contains("Interrupted"));
    }

    private VerificationHandler handler(Supplier<VerificationResult> outcome) {
        PgfleetProperties properties = mock(PgfleetProperties.class);
        when(properties.resolvedHome()).thenReturn(Path.of("/var/lib/pgfleet"));
        BackupProperties settings = new BackupProperties("/var/lib/pgfleet-backups", DataSize.ofGigabytes(4), 2, Duration.ofHours(1), 100, 365,
                DataSize.ofGigabytes(100), 2);
        DumpVerification verification = new DumpVerification() {
            @Override
            public VerificationResult verify(Database db, Backup b, Path dump, DumpManifest m) {
                calls.add(new Object[] {db, b, dump, m});
                return outcome.get();
            }

            @Override
            public void cleanUpInterrupted(Database db, Backup b) {
                cleanedUp.add(b);
            }
        };
        return new VerificationHandler(operations, ledger, mock(BackupAdmission.class), mock(DatabaseSchedules.class), databases,
                verification, new BackupStore(properties, settings), new ObjectMapper(), events);
    }
}
