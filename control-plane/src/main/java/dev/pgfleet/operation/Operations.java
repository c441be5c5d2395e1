package dev.pgfleet.operation;

import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The one way an operation is requested, started and finished (I/O on the metadata store). Requesting takes the
 * database's lock: the database's row is locked FOR UPDATE, so requests on every replica for one database queue there,
 * and an operation is only inserted when nothing active conflicts with it ({@link OperationConflicts}). Each transition is
 * checked against the lifecycle ({@link OperationState#canMoveTo}); a running operation is kept alive by this replica's
 * heartbeat until it finishes.
 */
@Service
public class Operations {
    private static final Set<OperationState> ACTIVE = EnumSet.of(OperationState.REQUESTED, OperationState.RUNNING);

    private final DatabaseOperationRepository repository;
    private final JdbcTemplate jdbc;
    private final OperationOwner owner;
    private final Clock clock;
    /** Operations this process is running now: the heartbeat's list. */
    private final Set<UUID> runningHere = ConcurrentHashMap.newKeySet();
    /**
     * The operations the current thread started or took over and has not finished: when the thread's unit of work ends
     * ({@link #releaseThread}), any still here stop being beaten, so recovery takes them over instead of the heartbeat
     * keeping an operation nobody works on alive for good.
     */
    private final ThreadLocal<Set<UUID>> startedOnThisThread = ThreadLocal.withInitial(java.util.HashSet::new);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Operations.class);

    Operations(DatabaseOperationRepository repository, JdbcTemplate jdbc, OperationOwner owner, Optional<Clock> clock) {
        this.repository = repository;
        this.jdbc = jdbc;
        this.owner = owner;
        this.clock = clock.orElse(Clock.systemUTC());
    }

    /**
     * Requests an operation of {@code kind} on the database, or answers which active one conflicts. Joins the caller's
     * transaction (so a feature's own row and the operation are stored together) and holds the database's row lock until
     * it commits.
     *
     * @param subjectId the feature's row the operation works on or produces (a backup, a drill, a restore), or null
     * @param reason    what the history shows while it waits, e.g. "Waiting to run"
     */
    @Transactional(propagation = Propagation.REQUIRED)
    public Result request(UUID databaseId, UUID tenantId, OperationKind kind, Requester by, UUID subjectId, String reason) {
        List<UUID> locked = jdbc.queryForList("select id from databases where id = ? for update", UUID.class, databaseId);
        if (locked.isEmpty()) {
            throw new dev.pgfleet.problem.NotFound("Database " + databaseId);
        }
        for (DatabaseOperation active : repository.findByDatabaseIdAndStateIn(databaseId, ACTIVE)) {
            if (OperationConflicts.conflicts(kind, active.getKind())) {
                return new Result.Refused(new OperationConflict(active));
            }
        }
        DatabaseOperation op = new DatabaseOperation(UUID.randomUUID(), databaseId, tenantId, kind, by, subjectId, reason, now());
        return new Result.Requested(repository.saveAndFlush(op));
    }

    /** What {@link #request} did. */
    public sealed interface Result {
        record Requested(DatabaseOperation operation) implements Result {
        }

        record Refused(OperationConflict conflict) implements Result {
        }

        /** The requested operation, or the conflict as a 409 refusal. */
        default DatabaseOperation orRefuse() {
            if (this instanceof Refused r) {
                throw r.conflict().refusal();
            }
            return ((Requested) this).operation();
        }
    }

    /**
     * Claims a REQUESTED operation for this process and marks it RUNNING; false when it is not REQUESTED any more (another
     * run has it, or it was failed meanwhile). Until {@link #succeed} or {@link #fail}, this process's heartbeat keeps it.
     */
    @Transactional
    public boolean start(UUID operationId, String reason) {
        // The row lock first: of two callers starting one operation at once, the second waits here for the first to
        // commit, then reads RUNNING and answers false (reading first would make it fail on the version instead).
        if (jdbc.queryForList("select id from database_operations where id = ? for update", UUID.class, operationId).isEmpty()) {
            return false;
        }
        Optional<DatabaseOperation> found = repository.findById(operationId);
        if (found.isEmpty() || found.get().getState() != OperationState.REQUESTED) {
            return false;
        }
        DatabaseOperation op = found.get();
        op.moveTo(OperationState.RUNNING, reason, now());
        op.ownedBy(owner.id());
        repository.saveAndFlush(op); // optimistic lock: of two replicas starting one operation, one wins
        // Liveness is judged on the database's clock only (see beat and takeOver): replicas' clocks may differ.
        jdbc.update("update database_operations set heartbeat_at = now() where id = ?", operationId);
        runningHere.add(operationId);
        startedOnThisThread.get().add(operationId);
        return true;
    }

    @Transactional
    public void succeed(UUID operationId, String reason) {
        finish(operationId, OperationState.SUCCEEDED, reason);
    }

    /** Fails an active operation with a reason for a person (see {@link FailureReasons} for turning an exception into one). */
    @Transactional
    public void fail(UUID operationId, String reason) {
        finish(operationId, OperationState.FAILED, reason);
    }

    /** A RUNNING operation that will be tried again (its trigger is the caller's to schedule): back to REQUESTED, keeping the lock. */
    @Transactional
    public void retryLater(UUID operationId, String reason) {
        finish(operationId, OperationState.REQUESTED, reason);
    }

    /** Notes what a running or waiting operation is doing now, for the history, without changing its state. */
    @Transactional
    public void progress(UUID operationId, String reason) {
        repository.findById(operationId).filter(o -> o.getState().isActive()).ifPresent(o -> o.note(reason));
    }

    /** Links the feature's row once it exists (when the operation was requested before it). */
    @Transactional
    public void attach(UUID operationId, UUID subjectId) {
        repository.findById(operationId).ifPresent(o -> o.attach(subjectId));
    }

    @Transactional(readOnly = true)
    public Optional<DatabaseOperation> find(UUID operationId) {
        return repository.findById(operationId);
    }

    /** The database's REQUESTED and RUNNING operations. */
    @Transactional(readOnly = true)
    public List<DatabaseOperation> active(UUID databaseId) {
        return repository.findByDatabaseIdAndStateIn(databaseId, ACTIVE);
    }

    /** How many operations of {@code kind} the tenant has active: for per-tenant bounds. */
    @Transactional(readOnly = true)
    public long activeOfTenant(UUID tenantId, OperationKind kind) {
        return repository.countByTenantIdAndKindAndStateIn(tenantId, kind, ACTIVE);
    }

    /**
     * Fenced: a RUNNING operation is finished only by its owner. When another replica took it over (this process went
     * silent for {@link OperationRecovery#SILENCE}), this process's late outcome is refused: the new owner's recovery
     * decides it. A REQUESTED operation may be ended by anyone (nobody runs it).
     */
    private void finish(UUID operationId, OperationState next, String reason) {
        runningHere.remove(operationId);
        startedOnThisThread.get().remove(operationId);
        jdbc.queryForList("select id from database_operations where id = ? for update", UUID.class, operationId);
        DatabaseOperation op = repository.findById(operationId)
                .orElseThrow(() -> new IllegalStateException("no operation " + operationId + " (its database was deleted?)"));
        if (op.getState() == OperationState.RUNNING && !owner.id().equals(op.getOwner())) {
            throw new IllegalStateException("operation " + operationId + " was taken over by " + op.getOwner()
                    + " after this control plane went silent; its outcome here (" + next + ": " + reason + ") is dropped");
        }
        op.moveTo(next, reason, now());
        repository.saveAndFlush(op);
    }

    /**
     * Ends the current thread's unit of work (a Quartz firing, a switchover request, a recovery): an operation it started
     * and left RUNNING — its worker died of an exception or an Error before recording an outcome — stops being kept
     * alive, so {@link OperationRecovery} takes it over after {@link OperationRecovery#SILENCE} and its handler ends it.
     */
    public void releaseThread() {
        Set<UUID> left = startedOnThisThread.get();
        for (UUID id : left) {
            if (runningHere.remove(id)) {
                log.warn("operation {} was left running by its worker without an outcome; recovery will take it over", id);
            }
        }
        startedOnThisThread.remove();
    }

    /** Keeps this process's running operations alive (see {@link OperationRecovery}). */
    @Transactional
    public void beat() {
        for (UUID id : runningHere) {
            int n = jdbc.update("update database_operations set heartbeat_at = now() where id = ? and owner = ? and state = 'RUNNING'",
                    id, owner.id());
            if (n == 0) {
                runningHere.remove(id); // finished meanwhile, deleted with its database, or taken over: nothing to keep alive
            }
        }
    }

    /**
     * Takes over a RUNNING operation of another process that has not beaten for {@code silence} by the database's clock:
     * true when this process now owns it (only one replica wins), and must end it through its handler.
     */
    @Transactional
    boolean takeOver(UUID operationId, java.time.Duration silence) {
        if (runningHere.contains(operationId)) {
            return false; // a worker of this process is still at it (its beat is only late): never take over live work
        }
        // This process's own operations qualify too: one its worker left without an outcome (see releaseThread).
        int n = jdbc.update("update database_operations set owner = ?, heartbeat_at = now(), version = version + 1 where id = ?"
                        + " and state = 'RUNNING' and (heartbeat_at is null or heartbeat_at < now() - make_interval(secs => ?))",
                owner.id(), operationId, (double) silence.toSeconds());
        if (n == 1) {
            runningHere.add(operationId);
            startedOnThisThread.get().add(operationId);
        }
        return n == 1;
    }

    Instant now() {
        return clock.instant();
    }
}
