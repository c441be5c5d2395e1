package dev.pgfleet.database;

import java.util.UUID;

/** Published when a database's desired state changed; the reconciler acts on it after the commit. */
public record DatabaseChanged(UUID databaseId) {
}
