package dev.pgfleet.database;

import java.util.UUID;

/** Published once a database and its data plane are gone, so features with data of their own clean up. */
public record DatabaseDeleted(UUID databaseId) {
}
