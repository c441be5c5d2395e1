package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.database.RuntimeInfo;
import dev.pgfleet.provisioning.DesiredClusters;
import dev.pgfleet.system.PgfleetProperties;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.system.process.PostgresInstallations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** BackupRunner.verify() hands the stored dump and its manifest to the runtime's DumpVerification and records what it says. */
class BackupRunnerVerifyTest {
    private final BackupLedger ledger = mock(BackupLedger.class);
    private final DatabaseRepository databases = mock(DatabaseRepository.class);
    private final DatabaseEvents events = mock(DatabaseEvents.class);
    private final Backup backup = mock(Backup.class);
    private final Database database = mock(Database.class);
    private final UUID backupId = UUID.randomUUID();
    private final UUID databaseId = UUID.randomUUID();
    private final DumpManifest manifest = new DumpManifest("shop", Map.of("public.items", 3L), List.of("public.items_pkey"), List.of("vector"));
    private final List<Object[]> calls = new ArrayList<>();

    @BeforeEach
    void aStoredBackup() throws Exception {
        when(ledger.find(backupId)).thenReturn(Optional.of(backup));
        when(backup.getId()).thenReturn(backupId);
        when(backup.getDatabaseId()).thenReturn(databaseId);
        when(backup.getFileName()).thenReturn(backupId + ".dump");
        when(backup.getManifest()).thenReturn(new ObjectMapper().writeValueAsString(manifest));
        when(databases.findById(databaseId)).thenReturn(Optional.of(database));
        when(database.getId()).thenReturn(databaseId);
    }

    @Test
    void aPassedVerificationIsRecordedWithItsReasonAndTime() {
        runner((db, b, dump, m) -> {
            calls.add(new Object[] {db, b, dump, m});
            return new VerificationResult(true, "restored 1 table, 3 rows, 1 index; vector present", Duration.ofSeconds(4));
        }).verify(backupId);

        assertThat(calls).singleElement().satisfies(call -> {
            assertThat(call[0]).isSameAs(database);
            assertThat(call[2]).isEqualTo(Path.of("/var/lib/pgfleet-backups", databaseId.toString(), backupId + ".dump"));
            assertThat(call[3]).isEqualTo(manifest);
        });
        verify(ledger).verificationStarted(backupId);
        verify(ledger).verified(backupId, true, "restored 1 table, 3 rows, 1 index; vector present", Duration.ofSeconds(4));
        verify(events).normal(eq(databaseId), eq("BackupVerified"), contains("verified: restored 1 table"));
    }

    @Test
    void aVerificationThatCouldNotRunIsRecordedAsFailed() {
        runner((db, b, dump, m) -> {
            throw new IllegalStateException("the Kubernetes API is unreachable");
        }).verify(backupId);

        verify(ledger).verified(backupId, false, "Verification could not run: the Kubernetes API is unreachable", Duration.ZERO);
        verify(events).warningOnce(eq(databaseId), eq("BackupVerificationFailed"), contains("FAILED verification"));
    }

    private BackupRunner runner(DumpVerification verification) {
        PgfleetProperties properties = mock(PgfleetProperties.class);
        when(properties.resolvedHome()).thenReturn(Path.of("/var/lib/pgfleet"));
        BackupProperties settings = new BackupProperties("/var/lib/pgfleet-backups", DataSize.ofGigabytes(4), 2, Duration.ofHours(1), 100, 365,
                DataSize.ofGigabytes(100), 2);
        return new BackupRunner(ledger, databases, mock(BackupPolicyRepository.class), mock(DesiredClusters.class), mock(RuntimeInfo.class),
                mock(PostgresInstallations.class), mock(LocalProcesses.class), new BackupStore(properties, settings), events,
                new ObjectMapper(), properties, settings, verification);
    }
}
