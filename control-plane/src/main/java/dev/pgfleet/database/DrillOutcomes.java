package dev.pgfleet.database;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;

/**
 * The last finished failover drill of each database, for the databases list. Implemented by the drill package,
 * so that this package does not depend on it.
 */
public interface DrillOutcomes {
    Map<UUID, LastDrill> lastDrills(Collection<UUID> databaseIds);

    /** @param passed whether every figure met the plan's targets */
    record LastDrill(String type, boolean passed, Instant finishedAt, Long writeUnavailableMillis) {
    }
}
