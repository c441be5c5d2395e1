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

    protected ApiToken() {
    }

    ApiToken(UUID userId, String tokenHash) {
        this.id = UUID.randomUUID();
        this.userId = userId;
        this.tokenHash = tokenHash;
        this.createdAt = Instant.now();
    }

    UUID getUserId() {
        return userId;
    }
}
