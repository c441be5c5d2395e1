package dev.pgfleet.tenant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A bearer token, kept only as the SHA-256 hash of its value. */
@Entity
@Table(name = "api_tokens")
class ApiToken {
    @Id
    private UUID id;
    @Column(name = "user_id")
    private UUID userId;
    @Column(name = "token_hash")
    private String tokenHash;
    @Column(name = "created_at")
    private Instant createdAt;
    /** What the user called it (e.g. "ci"); null for tokens made by the API or at bootstrap. */
    private String label;

    protected ApiToken() {
    }

    ApiToken(UUID userId, String tokenHash) {
        this(userId, tokenHash, null);
    }

    ApiToken(UUID userId, String tokenHash, String label) {
        this.id = UUID.randomUUID();
        this.userId = userId;
        this.tokenHash = tokenHash;
        this.createdAt = Instant.now();
        this.label = label;
    }

    UUID getId() {
        return id;
    }

    UUID getUserId() {
        return userId;
    }

    Instant getCreatedAt() {
        return createdAt;
    }

    String getLabel() {
        return label;
    }
}
