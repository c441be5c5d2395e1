package dev.pgfleet.database;

import io.swagger.v3.oas.annotations.media.Schema;

/** The body of POST /api/v1/databases. Unknown fields are refused. */
public record CreateDatabaseRequest(
        @Schema(description = "1-63 lowercase letters, digits and hyphens, starting with a letter", example = "shop")
        String name,
        @Schema(description = "dev (1 member) or ha (3 members, synchronous replication)", example = "ha")
        String plan,
        @Schema(description = "PostgreSQL major version; defaults to the newest installed with pgvector", example = "15")
        Integer postgresVersion) {
}
