package dev.pgfleet.drill;

import dev.pgfleet.provisioning.DisruptiveOperations;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** A drill or switchover is pending or running for the database (switchovers are kept in the drills' ledger). */
@Component
class DrillsInProgress implements DisruptiveOperations {
    private final DrillLedger ledger;

    DrillsInProgress(DrillLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    public boolean inProgress(UUID databaseId) {
        return ledger.active(databaseId).isPresent();
    }
}
