package dev.pgfleet.backup;

import dev.pgfleet.database.DatabaseRepository;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** The short transactions around a backup's life; the slow work (pg_dump, verification) happens between them. */
@Component
class BackupLedger {
    private final BackupRepository backups;
    private final DatabaseRepository databases;

    BackupLedger(BackupRepository backups, DatabaseRepository databases) {
        this.backups = backups;
        this.databases = databases;
    }

    @Transactional(readOnly = true)
    Optional<Backup> find(UUID id) {
        return backups.findById(id);
    }

    /** A new PENDING backup, or empty when one of this database is already pending or running. */
    @Transactional
    Optional<Backup> createIfIdle(UUID databaseId, Backup.Trigger trigger) {
        if (backups.findFirstByDatabaseIdAndStatusIn(databaseId, List.of(Backup.Status.PENDING, Backup.Status.RUNNING)).isPresent()) {
            return Optional.empty();
        }
        try {
            return Optional.of(backups.saveAndFlush(new Backup(databaseId, trigger)));
        } catch (DataIntegrityViolationException raced) {
            return Optional.empty(); // the partial unique index: another one was created at the same moment
        }
    }

    /** A backup that was not taken, recorded as FAILED with the reason so that the history shows it. */
    @Transactional
    Backup recordRefused(UUID databaseId, Backup.Trigger trigger, String reason) {
        Backup b = new Backup(databaseId, trigger);
        b.refuse(reason);
        return backups.save(b);
    }

    @Transactional
    void waiting(UUID id, String reason) {
        backups.findById(id).ifPresent(b -> b.waiting(reason));
    }

    @Transactional(readOnly = true)
    Optional<Backup> active(UUID databaseId) {
        return backups.findFirstByDatabaseIdAndStatusIn(databaseId, List.of(Backup.Status.PENDING, Backup.Status.RUNNING));
    }

    @Transactional
    Backup start(UUID id, String member) {
        Backup b = backups.findById(id).orElseThrow();
        b.start(member);
        return b;
    }

    @Transactional
    void succeed(UUID id, String fileName, String format, long size, String sha256, String manifest) {
        backups.findById(id).orElseThrow().succeed(fileName, format, size, sha256, manifest);
    }

    @Transactional
    void fail(UUID id, String reason, boolean willRetry) {
        backups.findById(id).ifPresent(b -> b.fail(reason, willRetry));
    }

    /** A RUNNING backup whose control plane died: recorded as a failed attempt, pending again for the retry. */
    @Transactional
    void interrupted(UUID id) {
        backups.findById(id).filter(b -> b.getStatus() == Backup.Status.RUNNING)
                .ifPresent(b -> b.fail("interrupted: the control plane running it stopped", b.getAttempts() < BackupRunner.MAX_ATTEMPTS));
    }

    @Transactional
    void verificationStarted(UUID id) {
        backups.findById(id).ifPresent(Backup::verificationStarted);
    }

    @Transactional
    void verified(UUID id, boolean passed, String reason, Duration took) {
        backups.findById(id).ifPresent(b -> {
            b.verified(passed, reason, took);
            if (passed) {
                databases.findById(b.getDatabaseId()).ifPresent(d -> d.recordVerifiedBackup(b.getVerifiedAt()));
            }
        });
    }

    @Transactional(readOnly = true)
    List<Backup> newestFirst(UUID databaseId) {
        return backups.findByDatabaseIdOrderByCreatedAtDesc(databaseId);
    }

    @Transactional
    void delete(UUID id) {
        backups.deleteById(id);
    }
}
