package dev.pgfleet.drill;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;

/**
 * One failover drill and what it measured: its kind, what fired it, its figures and verdict. The drill runs as a
 * {@link dev.pgfleet.operation.DatabaseOperation} of kind DRILL ({@link #getOperationId()}), which holds the database's
 * lock and is recovered if its control plane dies; this row's status, reason and timings are written in the same
 * transactions as the operation's ({@link DrillLedger}), so the drills API keeps its shape.
 */
@Entity
@Table(name = "drills")
class Drill {
    enum Kind {
        SWITCHOVER("switchover"), KILL_PRIMARY("kill-primary");

        private final String apiName;

        Kind(String apiName) {
            this.apiName = apiName;
        }

        String apiName() {
            return apiName;
        }

        static Optional<Kind> fromApiName(String name) {
            return Arrays.stream(values()).filter(k -> k.apiName.equals(name)).findFirst();
        }
    }

    enum Trigger { ON_DEMAND, SCHEDULED }

    enum Status { PENDING, RUNNING, PASSED, FAILED }

    @Id
    private UUID id;
    @Column(name = "database_id")
    private UUID databaseId;
    @Column(name = "operation_id")
    private UUID operationId;
    @Enumerated(EnumType.STRING)
    private Kind kind;
    @Enumerated(EnumType.STRING)
    @Column(name = "trigger_kind")
    private Trigger trigger;
    @Enumerated(EnumType.STRING)
    private Status status;
    @Column(name = "status_reason")
    private String statusReason;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "started_at")
    private Instant startedAt;
    @Column(name = "finished_at")
    private Instant finishedAt;
    @Column(name = "old_leader")
    private String oldLeader;
    @Column(name = "new_leader")
    private String newLeader;
    @Column(name = "write_unavailable_millis")
    private Long writeUnavailableMillis;
    @Column(name = "failed_transactions")
    private Long failedTransactions;
    @Column(name = "acknowledged_writes")
    private Long acknowledgedWrites;
    @Column(name = "lost_writes")
    private Long lostWrites;
    @Column(name = "rejoin_millis")
    private Long rejoinMillis;

    protected Drill() {
    }

    Drill(UUID databaseId, Kind kind, Trigger trigger) {
        this.id = UUID.randomUUID();
        this.databaseId = databaseId;
        this.kind = kind;
        this.trigger = trigger;
        this.status = Status.PENDING;
        this.createdAt = Instant.now();
    }

    void runsAs(UUID operationId) {
        this.operationId = operationId;
    }

    void start() {
        status = Status.RUNNING;
        startedAt = Instant.now();
        statusReason = "Running: " + kind.apiName();
    }

    void leaderIs(String oldLeader) {
        this.oldLeader = oldLeader;
        statusReason = "Running: " + kind.apiName() + " of leader " + oldLeader;
    }

    void record(DrillFigures f) {
        newLeader = f.newLeader();
        writeUnavailableMillis = f.writeUnavailable() == null ? null : f.writeUnavailable().toMillis();
        failedTransactions = f.failedTransactions();
        acknowledgedWrites = f.acknowledgedWrites();
        lostWrites = f.lostWrites();
        rejoinMillis = f.rejoin() == null ? null : f.rejoin().toMillis();
    }

    void finish(boolean passed, String reason) {
        status = passed ? Status.PASSED : Status.FAILED;
        statusReason = reason;
        finishedAt = Instant.now();
    }

    UUID getId() {
        return id;
    }

    UUID getOperationId() {
        return operationId;
    }

    UUID getDatabaseId() {
        return databaseId;
    }

    Kind getKind() {
        return kind;
    }

    Trigger getTrigger() {
        return trigger;
    }

    Status getStatus() {
        return status;
    }

    String getStatusReason() {
        return statusReason;
    }

    Instant getCreatedAt() {
        return createdAt;
    }

    Instant getStartedAt() {
        return startedAt;
    }

    Instant getFinishedAt() {
        return finishedAt;
    }

    String getOldLeader() {
        return oldLeader;
    }

    String getNewLeader() {
        return newLeader;
    }

    Long getWriteUnavailableMillis() {
        return writeUnavailableMillis;
    }

    Long getFailedTransactions() {
        return failedTransactions;
    }

    Long getAcknowledgedWrites() {
        return acknowledgedWrites;
    }

    Long getLostWrites() {
        return lostWrites;
    }

    Long getRejoinMillis() {
        return rejoinMillis;
    }

    Duration duration() {
        return startedAt == null || finishedAt == null ? null : Duration.between(startedAt, finishedAt);
    }
}
