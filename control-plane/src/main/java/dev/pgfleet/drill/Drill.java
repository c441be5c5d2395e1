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
 * One failover drill and what it measured; a plain switchover through the API is a row too (trigger API, no
 * figures), so that the one-operation-per-database guard covers both.
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

    enum Trigger { ON_DEMAND, SCHEDULED, API }

    enum Status { PENDING, RUNNING, PASSED, FAILED }

    @Id
    private UUID id;
    @Column(name = "database_id")
    private UUID databaseId;
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

    void start(String oldLeader) {
        status = Status.RUNNING;
        startedAt = Instant.now();
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
