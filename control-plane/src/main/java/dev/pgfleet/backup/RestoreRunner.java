package dev.pgfleet.backup;

import dev.pgfleet.provisioning.DatabaseSessions;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseMember;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.database.DatabaseStatus;
import dev.pgfleet.database.RuntimeInfo;
import dev.pgfleet.provisioning.DesiredClusters;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.system.process.PostgresInstallations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs restores once their target database is READY (I/O): pg_restore connected as the database's owner role
 * (never a superuser), in one
 * transaction, so a restore that fails part-way changes nothing — which is what makes restoring over the
 * source (only on explicit request) safe to attempt. The vector extension already exists in every pgfleet
 * database, so the dump's extension entries are skipped.
 */
@Component
class RestoreRunner {
    private static final Logger log = LoggerFactory.getLogger(RestoreRunner.class);

    private final RestoreRepository restores;
    private final BackupRepository backups;
    private final DatabaseRepository databases;
    private final DesiredClusters desiredClusters;
    private final RuntimeInfo runtime;
    private final PostgresInstallations installations;
    private final LocalProcesses processes;
    private final BackupStore store;
    private final DatabaseEvents events;
    private final TransactionTemplate tx;

    RestoreRunner(RestoreRepository restores, BackupRepository backups, DatabaseRepository databases, DesiredClusters desiredClusters,
                  RuntimeInfo runtime, PostgresInstallations installations, LocalProcesses processes, BackupStore store,
                  DatabaseEvents events, TransactionTemplate tx) {
        this.restores = restores;
        this.backups = backups;
        this.databases = databases;
        this.desiredClusters = desiredClusters;
        this.runtime = runtime;
        this.installations = installations;
        this.processes = processes;
        this.store = store;
        this.events = events;
        this.tx = tx;
    }

    @Scheduled(fixedDelay = 2000, initialDelay = 2000)
    void runWaitingRestores() {
        for (Restore r : restores.findByStatus(Restore.Status.WAITING)) {
            Database target = databases.findById(r.getTargetDatabaseId()).orElse(null);
            if (target == null) {
                continue;
            }
            if (target.isDeletionRequested() || target.getStatus() == DatabaseStatus.FAILED) {
                finish(r.getId(), target.getId(), false, "The target database is " + (target.isDeletionRequested() ? "being deleted"
                        : "FAILED: " + target.getStatusReason()));
                continue;
            }
            if (target.getStatus() != DatabaseStatus.READY) {
                continue;
            }
            Integer claimed = tx.execute(status -> restores.claim(r.getId()));
            if (claimed != null && claimed == 1) {
                run(r, target);
            }
        }
    }

    private void run(Restore r, Database target) {
        Backup backup = backups.findById(r.getBackupId()).orElse(null);
        if (backup == null || backup.getStatus() != Backup.Status.SUCCEEDED) {
            finish(r.getId(), target.getId(), false, "Backup " + r.getBackupId() + " no longer exists");
            return;
        }
        DatabaseMember leader = target.lastObservedLeader().orElse(null);
        if (leader == null) {
            finish(r.getId(), target.getId(), false, "The target database has no leader");
            return;
        }
        events.normal(target.getId(), "RestoreStarted", "Restoring backup " + backup.getId() + " taken " + backup.getCreatedAt()
                + (r.isOverwrite() ? " over this database's current contents" : "") + ".");
        RuntimeInfo.Endpoint endpoint = runtime.memberEndpoint(target, leader);
        // The owner role itself, never a superuser with --role: tenant code in the dump (CHECK constraints, index
        // expressions, triggers, defaults) runs with exactly the tenant's rights.
        DesiredCluster desired = desiredClusters.of(target);
        String owner = desired.spec().ownerUsername();
        String password = desired.ownerPassword();
        Path bin = installations.binDir(target.getPostgresVersion());
        Path dump = store.path(backup.getDatabaseId(), backup.getFileName());
        Path work = null;
        long started = System.nanoTime();
        try {
            // A dump that changed since it was taken (disk fault, tampering) is not restored, even where pg_restore
            // would accept it: the recorded checksum is what the verification vouched for.
            String sha256 = DumpArchive.fingerprint(dump).sha256();
            if (!sha256.equals(backup.getSha256())) {
                finish(r.getId(), target.getId(), false, "Backup " + backup.getId() + " no longer matches its checksum (recorded "
                        + backup.getSha256() + ", now " + sha256 + "); nothing was changed.");
                return;
            }
            work = Files.createTempDirectory("pgfleet-restore-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path list = work.resolve("toc.list");
            String toc = processes.runClientToCompletion(List.of(bin.resolve("pg_restore").toString(), "--list", dump.toString()),
                    work, Duration.ofMinutes(5));
            Files.writeString(list, BackupVerifier.withoutExtensionEntries(toc));
            List<String> command = new java.util.ArrayList<>(List.of(bin.resolve("pg_restore").toString(),
                    "--host=" + endpoint.host(), "--port=" + endpoint.port(), "--username=" + owner,
                    "--dbname=" + target.getName(), "--no-owner", "--no-privileges",
                    "--exit-on-error", "--single-transaction", "--no-password", "--use-list=" + list));
            if (r.isOverwrite()) {
                command.addAll(List.of("--clean", "--if-exists"));
            }
            command.add(dump.toString());
            List<String> env = new java.util.ArrayList<>(List.of("PGPASSWORD", password, "PGCONNECT_TIMEOUT", "5",
                    "PGOPTIONS", DatabaseSessions.PINNED_OPTIONS));
            env.addAll(DatabaseSessions.hostAddressEnvironment(endpoint.host()));
            processes.runClientToCompletion(command, work, Duration.ofHours(6), env.toArray(String[]::new));
            finish(r.getId(), target.getId(), true, String.format("Restored backup %s in %.1f s.", backup.getId(),
                    (System.nanoTime() - started) / 1e9));
        } catch (Exception e) {
            finish(r.getId(), target.getId(), false, "pg_restore failed; nothing was changed: " + BackupRunner.describe(e));
        } finally {
            if (work != null) {
                try {
                    dev.pgfleet.system.process.Directories.deleteRecursively(work);
                } catch (java.io.IOException e) {
                    log.warn("could not remove {}: {}", work, e.toString());
                }
            }
        }
    }

    private void finish(UUID restoreId, UUID targetId, boolean succeeded, String reason) {
        tx.executeWithoutResult(status -> restores.findById(restoreId).ifPresent(r -> r.finish(succeeded, reason)));
        if (succeeded) {
            events.normal(targetId, "RestoreSucceeded", reason);
        } else {
            events.warningOnce(targetId, "RestoreFailed", reason);
        }
    }
}
