package dev.pgfleet.drill;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** When a database rehearses a failover, and which kind. Off unless the tenant turns it on. */
@Entity
@Table(name = "drill_policies")
class DrillPolicy {
    /** Sundays at 04:00 (Quartz cron), once enabled. */
    static final String DEFAULT_CRON = "0 0 4 ? * SUN";

    @Id
    @Column(name = "database_id")
    private UUID databaseId;
    private String cron;
    private boolean enabled;
    @Enumerated(EnumType.STRING)
    private Drill.Kind kind;
    @Column(name = "updated_at")
    private Instant updatedAt;

    protected DrillPolicy() {
    }

    DrillPolicy(UUID databaseId, String cron, boolean enabled, Drill.Kind kind) {
        this.databaseId = databaseId;
        update(cron, enabled, kind);
    }

    static DrillPolicy defaults(UUID databaseId) {
        return new DrillPolicy(databaseId, DEFAULT_CRON, false, Drill.Kind.SWITCHOVER);
    }

    void update(String cron, boolean enabled, Drill.Kind kind) {
        this.cron = cron;
        this.enabled = enabled;
        this.kind = kind;
        this.updatedAt = Instant.now();
    }

    UUID getDatabaseId() {
        return databaseId;
    }

    String getCron() {
        return cron;
    }

    boolean isEnabled() {
        return enabled;
    }

    Drill.Kind getKind() {
        return kind;
    }
}
