package dev.pgfleet.operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgfleet.testsupport.ControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The operations model against a real control plane (its embedded metadata store, a real database): the lifecycle
 * through the real {@link Operations} service, the lock under concurrency, recovery of operations whose control plane
 * died (a backup cut mid-dump is retried and succeeds; a verification cut is cleaned up and failed), and what a tenant
 * sees of it through the API (the history; a restore refused while a backup runs). Each test leaves no operation active.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("integration")
class OperationsIntegrationTest {
    private ControlPlane cp;
    private String alice;
    private String bob;
    private UUID db;
    private UUID tenant;
    private String base;
    private Operations operations;
    private JdbcTemplate jdbc;

    @BeforeAll
    void aReadyDatabase() throws Exception {
        cp = ControlPlane.start(Map.of());
        alice = cp.createTenant("alice");
        bob = cp.createTenant("bob");
        db = UUID.fromString(cp.post("/api/v1/databases", alice, "{\"name\":\"shop\",\"plan\":\"dev\"}").json().get("id").asText());
        base = "/api/v1/databases/" + db;
        cp.awaitStatus(db.toString(), alice, "READY", Duration.ofSeconds(120));
        operations = cp.bean(Operations.class);
        jdbc = cp.bean(JdbcTemplate.class);
        tenant = jdbc.queryForObject("select tenant_id from databases where id = ?", UUID.class, db);
        try (Connection c = cp.pooledConnection(db.toString(), alice); Statement s = c.createStatement()) {
            s.execute("create table items (id bigserial primary key, note text)");
            s.execute("insert into items (note) select 'item ' || g from generate_series(1, 500) g");
        }
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    @Order(1)
    void anOperationGoesThroughItsLifecycleAndAFinishedOneNeverChanges() {
        // RESIZE has no handler yet: nothing but this test moves it.
        DatabaseOperation op = requested(OperationKind.RESIZE, "Waiting to run");
        assertThat(op.getState()).isEqualTo(OperationState.REQUESTED);
        assertThat(op.getRequestedBy().apiName()).isEqualTo("control-plane");

        assertThat(operations.start(op.getId(), "Resizing")).isTrue();
        assertThat(operations.start(op.getId(), "Resizing")).as("claimed once").isFalse();
        DatabaseOperation running = operations.find(op.getId()).orElseThrow();
        assertThat(running.getState()).isEqualTo(OperationState.RUNNING);
        assertThat(running.getAttempts()).isEqualTo(1);
        assertThat(running.getOwner()).isNotBlank();
        assertThat(running.getStartedAt()).isNotNull();

        operations.progress(op.getId(), "Half way");
        assertThat(operations.find(op.getId()).orElseThrow().getReason()).isEqualTo("Half way");
        operations.retryLater(op.getId(), "Attempt 1 failed, retrying: the disk was full");
        DatabaseOperation waiting = operations.find(op.getId()).orElseThrow();
        assertThat(waiting.getState()).isEqualTo(OperationState.REQUESTED);
        assertThat(waiting.getOwner()).isNull();
        assertThat(operations.active(db)).extracting(DatabaseOperation::getId).contains(op.getId());

        assertThat(operations.start(op.getId(), "Resizing again")).isTrue();
        operations.succeed(op.getId(), "Resized");
        DatabaseOperation done = operations.find(op.getId()).orElseThrow();
        assertThat(done.getState()).isEqualTo(OperationState.SUCCEEDED);
        assertThat(done.getAttempts()).isEqualTo(2);
        assertThat(done.getReason()).isEqualTo("Resized");
        assertThat(done.took()).isPresent();
        assertThatThrownBy(() -> operations.fail(op.getId(), "too late")).isInstanceOf(IllegalStateException.class);
        assertThat(operations.start(op.getId(), "again")).isFalse();

        DatabaseOperation refused = requested(OperationKind.RESIZE, "Waiting to run");
        operations.fail(refused.getId(), "Not possible on this plan");
        assertThat(operations.find(refused.getId()).orElseThrow().getState()).isEqualTo(OperationState.FAILED);
        assertThat(operations.active(db)).isEmpty();
    }

    @Test
    @Order(2)
    void ofTwoConcurrentStartsOfOneOperationExactlyOneClaimsIt() throws Exception {
        for (int round = 0; round < 5; round++) {
            DatabaseOperation op = requested(OperationKind.RESIZE, "Waiting to run");
            List<Boolean> claimed = concurrently(() -> operations.start(op.getId(), "Resizing"), 2);
            assertThat(claimed).as("round " + round).containsExactlyInAnyOrder(true, false);
            assertThat(operations.find(op.getId()).orElseThrow().getAttempts()).isEqualTo(1);
            operations.fail(op.getId(), "test over");
        }
    }

    /** Fencing: once another replica took an operation over, this process's late outcome is refused and changes nothing. */
    @Test
    @Order(2)
    void anOperationTakenOverByAnotherReplicaRefusesItsFormerOwnersOutcome() {
        DatabaseOperation op = requested(OperationKind.RESIZE, "Waiting to run");
        assertThat(operations.start(op.getId(), "Resizing")).isTrue();
        jdbc.update("update database_operations set owner = 'other-replica/1', heartbeat_at = now() where id = ?", op.getId());

        assertThatThrownBy(() -> operations.succeed(op.getId(), "Resized")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("taken over by other-replica/1");
        DatabaseOperation still = operations.find(op.getId()).orElseThrow();
        assertThat(still.getState()).isEqualTo(OperationState.RUNNING);
        assertThat(still.getOwner()).isEqualTo("other-replica/1");
        assertThat(still.getReason()).isEqualTo("Resizing");

        // The other replica's own outcome (written as it would be) ends it; this test's operation must not hold the lock.
        jdbc.update("update database_operations set state = 'FAILED', owner = null, finished_at = now(), reason = 'test over'"
                + " where id = ?", op.getId());
    }

    /**
     * An operation whose worker ended without recording an outcome (an exception or an Error escaped the handler) stops
     * being kept alive when the worker's unit of work ends, so recovery takes it over and fails it (RESIZE has no handler:
     * the interrupted reason) instead of the heartbeat holding the database's lock for good.
     */
    @Test
    @Order(2)
    void anOperationItsWorkerLeftWithoutAnOutcomeIsRecoveredNotKeptAliveForever() throws Exception {
        DatabaseOperation op = requested(OperationKind.RESIZE, "Waiting to run");
        Thread worker = new Thread(() -> {
            try {
                assertThat(operations.start(op.getId(), "Resizing")).isTrue();
                throw new OutOfMemoryError("a worker dying without an outcome"); // never caught by a handler
            } catch (OutOfMemoryError expected) {
                // what OperationJob's finally does when the handler's work ends, however it ends
            } finally {
                operations.releaseThread();
            }
        });
        worker.start();
        worker.join();

        DatabaseOperation failed = dev.pgfleet.testsupport.Polling.until("the abandoned operation recovered", Duration.ofSeconds(90),
                Duration.ofMillis(500), () -> operations.find(op.getId()).orElseThrow(), o -> o.getState() == OperationState.FAILED);
        assertThat(failed.getReason()).isEqualTo(OperationRecovery.INTERRUPTED);
        assertThat(operations.active(db)).extracting(DatabaseOperation::getId).doesNotContain(op.getId());

        // While its worker is at work, an operation is kept alive: its heartbeat moves on.
        DatabaseOperation busy = requested(OperationKind.RESIZE, "Waiting to run");
        assertThat(operations.start(busy.getId(), "Resizing")).isTrue();
        jdbc.update("update database_operations set heartbeat_at = now() - interval '10 seconds' where id = ?", busy.getId());
        operations.beat();
        Timestamp beaten = jdbc.queryForObject("select heartbeat_at from database_operations where id = ?", Timestamp.class, busy.getId());
        assertThat(beaten.toInstant()).isAfter(Instant.now().minusSeconds(5));
        operations.fail(busy.getId(), "test over");
        operations.releaseThread();
    }

    @Test
    @Order(3)
    void theLockAdmitsABackupDuringADrillAndRefusesARestoreDuringABackup() {
        DatabaseOperation drill = requested(OperationKind.DRILL, "Waiting to run");
        Operations.Result backup = operations.request(db, tenant, OperationKind.BACKUP, Requester.controlPlane(), null, "Waiting to run");
        assertThat(backup).as("a backup may run during a drill").isInstanceOf(Operations.Result.Requested.class);
        Operations.Result switchover = operations.request(db, tenant, OperationKind.SWITCHOVER, Requester.controlPlane(), null, "Waiting");
        assertThat(switchover).as("two operations moving members exclude each other").isInstanceOf(Operations.Result.Refused.class);

        operations.fail(drill.getId(), "test over");

        UUID backupId = ((Operations.Result.Requested) backup).operation().getId();
        assertThat(operations.start(backupId, "Dumping")).isTrue();
        Operations.Result restore = operations.request(db, tenant, OperationKind.RESTORE, Requester.controlPlane(), null, "Waiting");
        assertThat(restore).as("a restore waits for no backup: it is refused").isInstanceOf(Operations.Result.Refused.class);
        OperationConflict conflict = ((Operations.Result.Refused) restore).conflict();
        assertThat(conflict.active().getId()).isEqualTo(backupId);
        assertThat(conflict.describe()).contains("A backup of this database is running").contains(backupId.toString());
        assertThatThrownBy(restore::orRefuse).isInstanceOf(dev.pgfleet.problem.Conflict.class);
        Operations.Result verification = operations.request(db, tenant, OperationKind.VERIFICATION, Requester.controlPlane(), null, "W");
        assertThat(verification).as("a verification works on a dump, beside a backup").isInstanceOf(Operations.Result.Requested.class);

        operations.fail(((Operations.Result.Requested) verification).operation().getId(), "test over");
        operations.fail(backupId, "test over");
        assertThat(operations.active(db)).isEmpty();
    }

    @Test
    @Order(4)
    void ofTwoConcurrentBackupRequestsOnOneDatabaseExactlyOneIsAdmitted() throws Exception {
        for (int round = 0; round < 5; round++) {
            List<Operations.Result> results = concurrently(() -> operations.request(db, tenant, OperationKind.BACKUP,
                    Requester.controlPlane(), null, "Waiting to run"), 2);
            List<Operations.Result> admitted = results.stream().filter(r -> r instanceof Operations.Result.Requested).toList();
            assertThat(admitted).as("round " + round + ": " + results).hasSize(1);
            UUID id = ((Operations.Result.Requested) admitted.get(0)).operation().getId();
            assertThat(results).filteredOn(r -> r instanceof Operations.Result.Refused)
                    .singleElement().satisfies(r -> assertThat(((Operations.Result.Refused) r).conflict().active().getId()).isEqualTo(id));
            operations.fail(id, "test over");
        }
    }

    @Test
    @Order(5)
    void aRestoreAskedForWhileABackupOfTheTargetRunsIsRefusedNamingTheBackup() throws Exception {
        String backupId = takeABackup();
        DatabaseOperation running = requested(OperationKind.BACKUP, "Waiting to run");
        assertThat(operations.start(running.getId(), "Dumping from shop-0")).isTrue();
        try {
            ControlPlane.Response refused = cp.post(base + "/restore", alice, "{\"backupId\":\"" + backupId + "\",\"overwrite\":true}");
            assertThat(refused.status()).as(refused.body()).isEqualTo(409);
            assertThat(refused.isProblem()).isTrue();
            assertThat(refused.json().get("detail").asText()).contains("A backup of this database is running")
                    .contains(running.getId().toString());
            assertThat(cp.get(base + "/restores", alice).json()).as("nothing was recorded").isEmpty();
        } finally {
            operations.fail(running.getId(), "test over");
        }
    }

    /**
     * A backup RUNNING on a control plane that died (another owner, no heartbeat for minutes) is taken over by this one's
     * recovery, its attempt recorded as interrupted, and retried at once: it succeeds and is verified. The API's history
     * shows the backup and its verification.
     */
    @Test
    @Order(6)
    void aBackupInterruptedByADeadControlPlaneIsTakenOverRetriedAndSucceeds() throws Exception {
        UUID backupId = UUID.randomUUID();
        UUID opId = UUID.randomUUID();
        Instant longAgo = Instant.now().minus(Duration.ofMinutes(5));
        jdbc.update("insert into database_operations (id, database_id, tenant_id, kind, state, requested_by, reason, subject_id,"
                        + " requested_at, started_at, heartbeat_at, owner, attempts) values (?, ?, ?, 'BACKUP', 'RUNNING', 'schedule',"
                        + " 'Dumping from shop-0', ?, ?, ?, ?, 'a-dead-replica/0000', 1)",
                opId, db, tenant, backupId, Timestamp.from(longAgo), Timestamp.from(longAgo), Timestamp.from(longAgo));
        jdbc.update("insert into backups (id, database_id, operation_id, trigger_kind, created_at, format, verification)"
                + " values (?, ?, ?, 'SCHEDULED', ?, 'custom', 'NOT_VERIFIED')", backupId, db, opId, Timestamp.from(longAgo));

        JsonNode backup = cp.awaitBackup(db.toString(), alice, backupId.toString(), Duration.ofSeconds(120),
                b -> "FAILED".equals(b.path("status").asText()) || b.path("verification").asText().matches("PASSED|FAILED"));
        assertThat(backup.get("status").asText()).as(backup.toString()).isEqualTo("SUCCEEDED");
        assertThat(backup.get("attempts").asInt()).as("the interrupted attempt, then the retry").isEqualTo(2);
        assertThat(backup.get("verification").asText()).as(backup.toString()).isEqualTo("PASSED");
        assertThat(backup.get("verificationReason").asText()).contains("500 rows");
        DatabaseOperation op = operations.find(opId).orElseThrow();
        assertThat(op.getOwner()).as("finished: no owner any more").isNull();
        assertThat(op.getState()).isEqualTo(OperationState.SUCCEEDED);

        JsonNode history = cp.get(base + "/operations", alice).json();
        JsonNode backupOp = find(history, opId.toString());
        assertThat(backupOp.get("kind").asText()).isEqualTo("backup");
        assertThat(backupOp.get("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(backupOp.get("requestedBy").asText()).isEqualTo("schedule");
        assertThat(backupOp.get("subjectId").asText()).isEqualTo(backupId.toString());
        assertThat(backupOp.get("reason").asText()).contains(backupId.toString()).contains("bytes");
        JsonNode verification = null;
        for (JsonNode o : history) {
            if ("verification".equals(o.get("kind").asText()) && backupId.toString().equals(o.path("subjectId").asText())) {
                verification = o;
            }
        }
        assertThat(verification).as("the verification is an operation of its own: " + history).isNotNull();
        assertThat(verification.get("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(verification.get("reason").asText()).contains("500 rows");
        assertThat(verification.get("startedAt").asText()).isNotBlank();
        assertThat(cp.get(base + "/operations", bob).status()).as("another tenant's database").isEqualTo(404);
        assertThat(cp.get(base, alice).json().get("events").toString()).contains("BackupSucceeded").contains("BackupVerified");
    }

    /**
     * A verification RUNNING on a control plane that died: its scratch directory is removed and it FAILED with the
     * reason, on the backup and on its operation; it is not run again by itself.
     */
    @Test
    @Order(7)
    void aVerificationInterruptedByADeadControlPlaneIsCleanedUpAndFailedWithTheReason() throws Exception {
        String backupId = takeABackup();
        Path scratch = cp.home().resolve("scratch").resolve("verify-" + backupId);
        Files.createDirectories(scratch.resolve("pgdata"));
        Files.writeString(scratch.resolve("backup.dump"), "left by the dead control plane");
        UUID opId = UUID.randomUUID();
        Instant longAgo = Instant.now().minus(Duration.ofMinutes(5));
        jdbc.update("insert into database_operations (id, database_id, tenant_id, kind, state, requested_by, reason, subject_id,"
                        + " requested_at, started_at, heartbeat_at, owner, attempts) values (?, ?, ?, 'VERIFICATION', 'RUNNING',"
                        + " 'control-plane', 'Restoring', ?, ?, ?, ?, 'a-dead-replica/0000', 1)",
                opId, db, tenant, UUID.fromString(backupId), Timestamp.from(longAgo), Timestamp.from(longAgo), Timestamp.from(longAgo));

        JsonNode backup = cp.awaitBackup(db.toString(), alice, backupId, Duration.ofSeconds(60),
                b -> "FAILED".equals(b.path("verification").asText()));
        assertThat(backup.get("verificationReason").asText()).startsWith("Interrupted: the control plane running it stopped");
        assertThat(backup.get("status").asText()).as("the backup itself stays good").isEqualTo("SUCCEEDED");
        assertThat(scratch).doesNotExist();
        DatabaseOperation op = operations.find(opId).orElseThrow();
        assertThat(op.getState()).isEqualTo(OperationState.FAILED);
        assertThat(op.getReason()).contains("scratch instance was removed");
        assertThat(find(cp.get(base + "/operations", alice).json(), opId.toString()).get("state").asText()).isEqualTo("FAILED");
        assertThat(operations.active(db)).isEmpty();
    }

    /**
     * The history's retention: finished operations past it are deleted, except those a backup or restore still names
     * (deleting one would cascade to the tenant's backup); recent and unfinished ones stay.
     */
    @Test
    @Order(8)
    void finishedOperationsPastTheirRetentionLeaveTheHistoryButABackupsOperationStays() {
        takeABackup();
        Instant longAgo = Instant.now().minus(Duration.ofDays(100));
        jdbc.update("update database_operations set started_at = ?, finished_at = ? where database_id = ? and state in ('SUCCEEDED', 'FAILED')",
                Timestamp.from(longAgo), Timestamp.from(longAgo), db);
        UUID recent = UUID.randomUUID();
        UUID waiting = UUID.randomUUID();
        Instant tenDaysAgo = Instant.now().minus(Duration.ofDays(10));
        jdbc.update("insert into database_operations (id, database_id, tenant_id, kind, state, requested_by, reason, requested_at, started_at, finished_at)"
                + " values (?, ?, ?, 'SWITCHOVER', 'SUCCEEDED', 'user', 'recent', ?, ?, ?)", recent, db, tenant,
                Timestamp.from(tenDaysAgo), Timestamp.from(tenDaysAgo), Timestamp.from(tenDaysAgo));
        // Not finished, whatever its timestamps say: never pruned (RESIZE has no handler, so nothing else moves it).
        jdbc.update("insert into database_operations (id, database_id, tenant_id, kind, state, requested_by, reason, requested_at, finished_at)"
                + " values (?, ?, ?, 'RESIZE', 'REQUESTED', 'user', 'waiting', ?, ?)", waiting, db, tenant,
                Timestamp.from(longAgo), Timestamp.from(longAgo));
        List<UUID> referenced = jdbc.queryForList("select operation_id from backups where database_id = ?"
                + " union select operation_id from restores where target_database_id = ?", UUID.class, db, db);
        int expired = jdbc.queryForObject("select count(*) from database_operations where database_id = ? and finished_at = ?"
                + " and state in ('SUCCEEDED', 'FAILED') and id not in (select operation_id from backups union select operation_id from restores)", Integer.class, db,
                Timestamp.from(longAgo));
        assertThat(referenced).as("backups of this database name their operations").isNotEmpty();
        assertThat(expired).as("operations with nothing naming them: verifications, the lifecycle tests' own").isPositive();
        JsonNode backupsBefore = cp.get(base + "/backups", alice).json();

        int pruned = cp.bean(OperationRetention.class).deleteExpiredOperations();

        assertThat(pruned).isEqualTo(expired);
        List<UUID> left = jdbc.queryForList("select id from database_operations where database_id = ?", UUID.class, db);
        List<UUID> expected = new ArrayList<>(referenced);
        expected.add(recent);
        expected.add(waiting);
        assertThat(left).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(cp.get(base + "/backups", alice).json()).as("every backup and its status are still there").isEqualTo(backupsBefore);
        assertThat(cp.bean(OperationRetention.class).deleteExpiredOperations()).as("nothing more to prune").isZero();
        jdbc.update("delete from database_operations where id = ?", waiting);
        assertThat(operations.active(db)).isEmpty();
    }

    private String takeABackup() {
        ControlPlane.Response started = cp.post(base + "/backups", alice, "");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String id = started.json().get("id").asText();
        JsonNode b = cp.awaitBackup(db.toString(), alice, id, Duration.ofSeconds(120),
                x -> "FAILED".equals(x.path("status").asText()) || x.path("verification").asText().matches("PASSED|FAILED"));
        assertThat(b.get("status").asText()).as(b.toString()).isEqualTo("SUCCEEDED");
        return id;
    }

    private DatabaseOperation requested(OperationKind kind, String reason) {
        return operations.request(db, tenant, kind, Requester.controlPlane(), null, reason).orRefuse();
    }

    private static JsonNode find(JsonNode history, String id) {
        for (JsonNode o : history) {
            if (id.equals(o.get("id").asText())) {
                return o;
            }
        }
        throw new AssertionError("operation " + id + " not in " + history);
    }

    /** Runs {@code task} on {@code n} threads released at the same instant; their results. */
    private static <T> List<T> concurrently(Callable<T> task, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return task.call();
                }));
            }
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
