package dev.pgfleet.drill;

import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.provisioning.DisruptiveOperations;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** A drill or switchover operation is requested or running for the database. */
@Component
class DrillsInProgress implements DisruptiveOperations {
    private static final Set<OperationKind> DISRUPTIVE = Set.of(OperationKind.DRILL, OperationKind.SWITCHOVER);

    private final Operations operations;

    DrillsInProgress(Operations operations) {
        this.operations = operations;
    }

    @Override
    public boolean inProgress(UUID databaseId) {
        return operations.active(databaseId).stream().anyMatch(o -> DISRUPTIVE.contains(o.getKind()));
    }
}
