package dev.pgfleet.tenant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A customer account: owns databases and users; the admin tenant may create other tenants. */
@Entity
@Table(name = "tenants")
public class Tenant {
    @Id
    private UUID id;
    private String name;
    private boolean admin;
    @Column(name = "database_quota")
    private int databaseQuota;
    @Column(name = "created_at")
    private Instant createdAt;

    protected Tenant() {
    }

    Tenant(String name, boolean admin, int databaseQuota) {
        this.id = UUID.randomUUID();
        this.name = name;
        this.admin = admin;
        this.databaseQuota = databaseQuota;
        this.createdAt = Instant.now();
    }

    public UUID getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public boolean isAdmin() {
        return admin;
    }

    public int getDatabaseQuota() {
        return databaseQuota;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
