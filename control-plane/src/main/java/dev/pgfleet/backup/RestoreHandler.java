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
import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.DatabaseSchedules;
import dev.pgfleet.operation.FailureReasons;
import dev.pgfleet.operation.OperationHandler;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.OperationState;
import dev.pgfleet.operation.Operations;
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
import org.springframework.stereotype.Component;

/**
 * Runs restores, the operations of kind RESTORE on the target database (subject: the restore row), once the target is
 * READY (I/O): pg_restore connected as the database's owner role (never a superuser), with --single-transaction and
 * --exit-on-error, so a restore that fails part-way — or whose control plane dies, which ends its session — changes
 * nothing; that is what makes restoring over the source (only on explicit request) safe to attempt, and why an
 * interrupted restore is simply failed. The vector extension already exists in every pgfleet database, so the dump's
 * extension entries are skipped. While the target is still being provisioned the operation stays REQUESTED and looks
 * again every {@link #TARGET_POLL} (a new database is READY within a minute; no event is needed for so short a wait),
 * at most {@link #TARGET_WAIT} from its request; a target deleted or FAILED fails it at once. A READY target's restore
 * starts when {@link RestoreAdmission#mustWait} lets it (a bound on restores executing cluster-wide).
 */
@Component
class RestoreHandler implements OperationHandler {
    static final Duration TARGET_POLL = Duration.ofSeconds(2);
    /**
     * How long a restore waits for its target to become READY. A waiting restore holds the target's RESTORE lock (no
     * backup, drill or switchover of it meanwhile) and one of the tenant's restore slots, so it must not wait forever; a
     * new database is READY within minutes, so 30 minutes means the target is stuck, not slow.
     */
    static final Duration TARGET_WAIT = Duration.ofMinutes(30);
    static final String INTERRUPTED = "Interrupted: the control plane running it stopped. pg_restore runs in one transaction,"
            + " which its session's end rolled back: nothing was changed. Ask for the restore again.";
    /** pg_restore's application_name, so that an orphaned session of an interrupted restore can be found and ended. */
    static final String APPLICATION_NAME = "pgfleet-restore";
    private static final Logger log = LoggerFactory.getLogger(RestoreHandler.class);

    private final Operations operations;
    private final DatabaseSchedules schedules;
    private final RestoreRepository restores;
    private final BackupRepository backups;
    private final DatabaseRepository databases;
    private final DesiredClusters desiredClusters;
    private final RuntimeInfo runtime;
    private final PostgresInstallations installations;
    private final LocalProcesses processes;
    private final BackupStore store;
    private final DatabaseEvents events;
    private final RestoreAdmission admission;

    RestoreHandler(Operations operations, DatabaseSchedules schedules, RestoreRepository restores, BackupRepository backups,
                   DatabaseRepository databases, DesiredClusters desiredClusters, RuntimeInfo runtime,
                   PostgresInstallations installations, LocalProcesses processes, BackupStore store, DatabaseEvents events,
                   RestoreAdmission admission) {
        this.operations = operations;
        this.schedules = schedules;
        this.restores = restores;
        this.backups = backups;
        this.databases = databases;
        this.desiredClusters = desiredClusters;
        this.runtime = runtime;
        this.installations = installations;
        this.processes = processes;
        this.store = store;
        this.events = events;
        this.admission = admission;
    }

    @Override
    public OperationKind kind() {
        return OperationKind.RESTORE;
    }

    @Override
    public void run(UUID databaseId, UUID operationId) {
        DatabaseOperation op = operations.find(operationId).orElse(null);
        if (op == null || op.getState() != OperationState.REQUESTED) {
            return;
        }
        Restore r = restores.findById(op.getSubjectId()).orElse(null);
        Database target = databases.findById(databaseId).orElse(null);
        if (r == null || target == null) {
            operations.fail(operationId, "The restore or its target database no longer exists.");
            return;
        }
        if (target.isDeletionRequested() || target.getStatus() == DatabaseStatus.FAILED) {
            fail(operationId, target.getId(), "The target database is " + (target.isDeletionRequested() ? "being deleted"
                    : "FAILED: " + target.getStatusReason()));
            return;
        }
        if (target.getStatus() != DatabaseStatus.READY) {
            if (waitedTooLong(op, java.time.Instant.now())) {
                fail(operationId, target.getId(), "The target database did not become READY within " + TARGET_WAIT.toMinutes()
                        + " minutes of the request (it is " + target.getStatus() + "); nothing was restored. Ask again once it is READY.");
                return;
            }
            schedules.runSoon(OperationKind.RESTORE, databaseId, operationId, TARGET_POLL);
            return;
        }
        java.util.Optional<String> wait = admission.mustWait();
        if (wait.isPresent()) {
            operations.progress(operationId, wait.get());
            schedules.runSoon(OperationKind.RESTORE, databaseId, operationId, BackupAdmission.nextTurn());
            return;
        }
        if (!operations.start(operationId, "Restoring")) {
            return;
        }
        try {
            run(r, operationId, target);
        } catch (RuntimeException e) {
            fail(operationId, target.getId(), "The restore failed: " + FailureReasons.describe(e));
        }
    }

    /** Pure: whether the restore has waited for its target past {@link #TARGET_WAIT} at {@code now}. */
    static boolean waitedTooLong(DatabaseOperation op, java.time.Instant now) {
        return op.getRequestedAt() != null && op.getRequestedAt().plus(TARGET_WAIT).isBefore(now);
    }

    /**
     * The control plane running the restore stopped. Its pg_restore, if it outlived it, is ended (its session, as the
     * owner role, by application_name), so its single transaction rolls back; the restore is FAILED (see {@link #INTERRUPTED}).
     */
    @Override
    public void recoverInterrupted(DatabaseOperation op) {
        databases.findById(op.getDatabaseId()).ifPresent(target -> {
            try {
                endOrphanedRestoreSessions(target);
            } catch (RuntimeException | java.sql.SQLException e) {
                log.warn("could not end the sessions of the interrupted restore into {}: {}", target.getId(), e.toString());
            }
        });
        fail(op.getId(), op.getDatabaseId(), INTERRUPTED);
    }

    @Override
    public void resumeRequested(DatabaseOperation op) {
        schedules.runSoon(OperationKind.RESTORE, op.getDatabaseId(), op.getId(), Duration.ZERO);
    }

    private void endOrphanedRestoreSessions(Database target) throws java.sql.SQLException {
        DatabaseMember leader = target.lastObservedLeader().orElse(null);
        if (leader == null) {
            return;
        }
        DesiredCluster desired = desiredClusters.of(target);
        try (java.sql.Connection c = DatabaseSessions.open(runtime.memberEndpoint(target, leader), target.getName(),
                desired.spec().ownerUsername(), desired.ownerPassword(), "pgfleet-restore-recovery", Duration.ofSeconds(30));
             java.sql.PreparedStatement s = c.prepareStatement("select pg_catalog.pg_terminate_backend(pid) from pg_catalog.pg_stat_activity"
                     + " where application_name operator(pg_catalog.=) ? and usename operator(pg_catalog.=) current_user"
                     + " and pid operator(pg_catalog.<>) pg_catalog.pg_backend_pid()")) {
            s.setString(1, APPLICATION_NAME);
            s.execute();
        }
    }

    private void run(Restore r, UUID operationId, Database target) {
        Backup backup = backups.findById(r.getBackupId()).orElse(null);
        if (backup == null || backup.getStatus() != Backup.Status.SUCCEEDED) {
            fail(operationId, target.getId(), "Backup " + r.getBackupId() + " no longer exists");
            return;
        }
        DatabaseMember leader = target.lastObservedLeader().orElse(null);
        if (leader == null) {
            fail(operationId, target.getId(), "The target database has no leader");
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
                fail(operationId, target.getId(), "Backup " + backup.getId() + " no longer matches its checksum (recorded "
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
            List<String> env = new java.util.ArrayList<>(List.of("PGPASSWORD", password, "PGCONNECT_TIMEOUT", "5", "PGAPPNAME", APPLICATION_NAME,
                    "PGOPTIONS", DatabaseSessions.PINNED_OPTIONS));
            env.addAll(DatabaseSessions.hostAddressEnvironment(endpoint.host()));
            processes.runClientToCompletion(command, work, Duration.ofHours(6), env.toArray(String[]::new));
            succeed(operationId, target.getId(), String.format("Restored backup %s in %.1f s.", backup.getId(),
                    (System.nanoTime() - started) / 1e9));
        } catch (Exception e) {
            fail(operationId, target.getId(), "pg_restore failed; nothing was changed: " + FailureReasons.describe(e));
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

    private void succeed(UUID operationId, UUID targetId, String reason) {
        operations.succeed(operationId, reason);
        events.normal(targetId, "RestoreSucceeded", reason);
    }

    private void fail(UUID operationId, UUID targetId, String reason) {
        operations.fail(operationId, reason);
        events.warningOnce(targetId, "RestoreFailed", reason);
    }
}
