package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.OperationState;
import java.lang.reflect.Field;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RetentionTest {
    private static final UUID DB = UUID.randomUUID();
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

    /** A backup whose operation (its lifecycle) is in the state the backup API calls {@code status}. */
    private static Backup backup(int daysAgo, Backup.Status status, Backup.Verification verification) {
        DatabaseOperation op = mock(DatabaseOperation.class);
        when(op.getDatabaseId()).thenReturn(DB);
        when(op.getState()).thenReturn(switch (status) {
            case PENDING -> OperationState.REQUESTED;
            case RUNNING -> OperationState.RUNNING;
            case SUCCEEDED -> OperationState.SUCCEEDED;
            case FAILED -> OperationState.FAILED;
        });
        Backup b = new Backup(UUID.randomUUID(), op, Backup.Trigger.SCHEDULED);
        assertThat(b.getStatus()).isEqualTo(status);
        set(b, "createdAt", NOW.minus(Duration.ofDays(daysAgo)));
        set(b, "verification", verification);
        return b;
    }

    private static void set(Backup b, String field, Object value) {
        try {
            Field f = Backup.class.getDeclaredField(field);
            f.setAccessible(true);
            f.set(b, value);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Backup> newestFirst(Backup... backups) {
        return new ArrayList<>(List.of(backups));
    }

    @Test
    void keepsTheNewestCount() {
        Backup b0 = backup(0, Backup.Status.SUCCEEDED, Backup.Verification.PASSED);
        Backup b1 = backup(1, Backup.Status.SUCCEEDED, Backup.Verification.PASSED);
        Backup b2 = backup(2, Backup.Status.SUCCEEDED, Backup.Verification.PASSED);
        BackupPolicy keepTwo = new BackupPolicy(DB, BackupPolicy.DEFAULT_CRON, true, 2, null, true);
        assertThat(Retention.expired(newestFirst(b0, b1, b2), keepTwo, NOW, 100)).containsExactly(b2);
    }

    @Test
    void dropsWhatIsTooOldButNeverTheNewestVerifiedBackup() {
        Backup failedVerification = backup(10, Backup.Status.SUCCEEDED, Backup.Verification.FAILED);
        Backup verified = backup(20, Backup.Status.SUCCEEDED, Backup.Verification.PASSED);
        Backup olderVerified = backup(30, Backup.Status.SUCCEEDED, Backup.Verification.PASSED);
        BackupPolicy sevenDays = new BackupPolicy(DB, BackupPolicy.DEFAULT_CRON, true, null, 7, true);
        assertThat(Retention.expired(newestFirst(failedVerification, verified, olderVerified), sevenDays, NOW, 100))
                .containsExactly(failedVerification, olderVerified);
    }

    @Test
    void leavesRunningAndFailedBackupsAlone() {
        Backup running = backup(0, Backup.Status.RUNNING, Backup.Verification.NOT_VERIFIED);
        Backup failed = backup(1, Backup.Status.FAILED, Backup.Verification.NOT_VERIFIED);
        Backup ok = backup(2, Backup.Status.SUCCEEDED, Backup.Verification.PASSED);
        BackupPolicy keepOne = new BackupPolicy(DB, BackupPolicy.DEFAULT_CRON, true, 1, null, true);
        assertThat(Retention.expired(newestFirst(running, failed, ok), keepOne, NOW, 100)).isEmpty();
    }

    @Test
    void aPolicyOfDaysAloneStillKeepsNoMoreThanTheMaximumCount() {
        Backup b0 = backup(0, Backup.Status.SUCCEEDED, Backup.Verification.PASSED);
        Backup b1 = backup(1, Backup.Status.SUCCEEDED, Backup.Verification.NOT_VERIFIED);
        Backup b2 = backup(2, Backup.Status.SUCCEEDED, Backup.Verification.NOT_VERIFIED);
        BackupPolicy yearOfDays = new BackupPolicy(DB, BackupPolicy.DEFAULT_CRON, true, null, 365, true);
        BackupPolicy keepFive = new BackupPolicy(DB, BackupPolicy.DEFAULT_CRON, true, 5, null, true);

        assertThat(Retention.expired(newestFirst(b0, b1, b2), yearOfDays, NOW, 2)).containsExactly(b2);
        assertThat(Retention.expired(newestFirst(b0, b1, b2), keepFive, NOW, 2)).containsExactly(b2);
        assertThat(Retention.expired(newestFirst(b0, b1, b2), yearOfDays, NOW, 100)).isEmpty();
    }
}
