package dev.pgfleet.drill;

import dev.pgfleet.database.DrillOutcomes;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** The databases list's "last drill" column: the newest finished drill. */
@Component
class LastDrills implements DrillOutcomes {
    private final DrillRepository drills;

    LastDrills(DrillRepository drills) {
        this.drills = drills;
    }

    @Override
    @Transactional(readOnly = true)
    public Map<UUID, LastDrill> lastDrills(Collection<UUID> databaseIds) {
        Map<UUID, LastDrill> last = new HashMap<>();
        for (UUID id : databaseIds) {
            drills.findFirstByDatabaseIdAndStatusInOrderByCreatedAtDesc(id, List.of(Drill.Status.PASSED, Drill.Status.FAILED))
                    .ifPresent(d -> last.put(id, new LastDrill(d.getKind().apiName(), d.getStatus() == Drill.Status.PASSED,
                            d.getFinishedAt(), d.getWriteUnavailableMillis())));
        }
        return last;
    }
}
