package dev.pgfleet.database;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A line of a database's history that a person reads: a step taken, or a failure and why. */
@Entity
@Table(name = "database_events")
public class DatabaseEvent {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;
    @Column(name = "database_id")
    private UUID databaseId;
    private Instant at;
    private String level;
    private String reason;
    private String message;

    protected DatabaseEvent() {
    }

    DatabaseEvent(UUID databaseId, String level, String reason, String message) {
        this.databaseId = databaseId;
        this.at = Instant.now();
        this.level = level;
        this.reason = reason;
        this.message = message;
    }

    public Instant getAt() {
        return at;
    }

    public String getLevel() {
        return level;
    }

    public String getReason() {
        return reason;
    }

    public String getMessage() {
        return message;
    }
}
