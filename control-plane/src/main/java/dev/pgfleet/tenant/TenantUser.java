package dev.pgfleet.tenant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A person or program acting for a tenant; API tokens belong to users, and a user with a password can sign in to the dashboard. */
@Entity
@Table(name = "users")
class TenantUser {
    @Id
    private UUID id;
    @Column(name = "tenant_id")
    private UUID tenantId;
    private String name;
    @Column(name = "created_at")
    private Instant createdAt;
    /** Argon2id (through Spring Security's delegating encoder); null: the user cannot sign in to the dashboard. */
    @Column(name = "password_hash")
    private String passwordHash;

    protected TenantUser() {
    }

    TenantUser(UUID tenantId, String name) {
        this.id = UUID.randomUUID();
        this.tenantId = tenantId;
        this.name = name;
        this.createdAt = Instant.now();
    }

    UUID getId() {
        return id;
    }

    UUID getTenantId() {
        return tenantId;
    }

    String getName() {
        return name;
    }

    Instant getCreatedAt() {
        return createdAt;
    }

    String getPasswordHash() {
        return passwordHash;
    }

    void setPasswordHash(String passwordHash) {
        this.passwordHash = passwordHash;
    }
}
