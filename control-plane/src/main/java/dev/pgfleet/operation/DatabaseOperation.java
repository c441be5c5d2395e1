package dev.pgfleet.operation;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * One thing pgfleet does to a database, of any {@link OperationKind}, and its lifecycle ({@link OperationState}): who
 * asked, when it was requested, started and finished, and why it is where it is ({@link #getReason()}: a sentence for a
 * person). What the operation produced lives with its feature (a backup's file and verification, a drill's figures),
 * in the row {@link #getSubjectId()} names. Changed only through {@link Operations}.
 */
@Entity
@Table(name = "database_operations")
public class DatabaseOperation {
    @Id
    private UUID id;
    @Column(name = "database_id")
    private UUID databaseId;
    @Column(name = "tenant_id")
    private UUID tenantId;
    @Enumerated(EnumType.STRING)
    private OperationKind kind;
    @Enumerated(EnumType.STRING)
    private OperationState state;
    @Column(name = "requested_by")
    private String requestedBy;
    private String reason;
    @Column(name = "subject_id")
    private UUID subjectId;
    @Column(name = "requested_at")
    private Instant requestedAt;
    @Column(name = "started_at")
    private Instant startedAt;
    @Column(name = "finished_at")
    private Instant finishedAt;
    @Column(name = "heartbeat_at")
    private Instant heartbeatAt;
    private String owner;
    private int attempts;
    @Version
    private long version;

    protected DatabaseOperation() {
    }

    DatabaseOperation(UUID id, UUID databaseId, UUID tenantId, OperationKind kind, Requester requestedBy, UUID subjectId, String reason,
                      Instant now) {
        this.id = id;
        this.databaseId = databaseId;
        this.tenantId = tenantId;
        this.kind = kind;
        this.state = OperationState.REQUESTED;
        this.requestedBy = requestedBy.stored();
        this.subjectId = subjectId;
        this.reason = reason;
        this.requestedAt = now;
    }

    void moveTo(OperationState next, String reason, Instant now) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("operation " + id + " (" + kind.apiName() + ") cannot go from " + state + " to " + next);
        }
        if (next == OperationState.RUNNING) {
            startedAt = now;
            heartbeatAt = now;
            attempts++;
        } else if (next == OperationState.SUCCEEDED || next == OperationState.FAILED) {
            finishedAt = now;
        }
        if (next != OperationState.RUNNING) {
            owner = null;
        }
        state = next;
        this.reason = reason;
    }

    void note(String reason) {
        this.reason = reason;
    }

    void ownedBy(String owner) {
        this.owner = owner;
    }

    void attach(UUID subjectId) {
        this.subjectId = subjectId;
    }

    public UUID getId() {
        return id;
    }

    public UUID getDatabaseId() {
        return databaseId;
    }

    public UUID getTenantId() {
        return tenantId;
    }

    public OperationKind getKind() {
        return kind;
    }

    public OperationState getState() {
        return state;
    }

    public Requester getRequestedBy() {
        return Requester.parse(requestedBy);
    }

    public String getReason() {
        return reason;
    }

    public UUID getSubjectId() {
        return subjectId;
    }

    public Instant getRequestedAt() {
        return requestedAt;
    }

    public Instant getStartedAt() {
        return startedAt;
    }

    public Instant getFinishedAt() {
        return finishedAt;
    }

    public Instant getHeartbeatAt() {
        return heartbeatAt;
    }

    public String getOwner() {
        return owner;
    }

    public int getAttempts() {
        return attempts;
    }

    /** From start to finish, once finished. */
    public Optional<Duration> took() {
        return startedAt == null || finishedAt == null ? Optional.empty() : Optional.of(Duration.between(startedAt, finishedAt));
    }
}
