package dev.pgfleet.database;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.Objects;
import java.util.UUID;

/** One Patroni member of a database: its fixed ports, and the role and state last observed. */
@Entity
@Table(name = "database_members")
public class DatabaseMember {
    @Id
    private UUID id;
    @Column(name = "database_id")
    private UUID databaseId;
    private int ordinal;
    private String name;
    @Column(name = "pg_port")
    private int pgPort;
    @Column(name = "rest_port")
    private int restPort;
    private String role;
    private String state;
    @Column(name = "lag_bytes")
    private Long lagBytes;

    protected DatabaseMember() {
    }

    public DatabaseMember(UUID databaseId, int ordinal, String name, int pgPort, int restPort) {
        this.id = UUID.randomUUID();
        this.databaseId = databaseId;
        this.ordinal = ordinal;
        this.name = name;
        this.pgPort = pgPort;
        this.restPort = restPort;
    }

    /** Records an observation; returns whether it differs from the last one. */
    public boolean observe(String newRole, String newState, Long newLagBytes) {
        boolean changed = !Objects.equals(role, newRole) || !Objects.equals(state, newState)
                || !Objects.equals(lagBytes, newLagBytes);
        role = newRole;
        state = newState;
        lagBytes = newLagBytes;
        return changed;
    }

    public int getOrdinal() {
        return ordinal;
    }

    public String getName() {
        return name;
    }

    public int getPgPort() {
        return pgPort;
    }

    public int getRestPort() {
        return restPort;
    }

    public String getRole() {
        return role;
    }

    public String getState() {
        return state;
    }

    public Long getLagBytes() {
        return lagBytes;
    }
}
