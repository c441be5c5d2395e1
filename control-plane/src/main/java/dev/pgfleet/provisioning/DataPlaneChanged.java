package dev.pgfleet.provisioning;

import java.util.UUID;

/** A runtime saw a database's data plane change on its own (a leader elected); the reconciler looks at once. */
public record DataPlaneChanged(UUID databaseId) {
}
