package dev.pgfleet.drill;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.operation.FailureReasons;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.provisioning.FaultInjection;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.DesiredClusters;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Undoes what a switchover or drill interrupted by a dying control plane may have left (I/O): a paused pooler (clients
 * would wait there for ever) and a member frozen by a kill-primary drill. Each step is tried whatever the other did;
 * the answer says, for the operation's reason, what could not be undone.
 */
@Component
class PoolerRescue {
    private static final Logger log = LoggerFactory.getLogger(PoolerRescue.class);

    private final DatabaseRepository databases;
    private final DesiredClusters desiredClusters;
    private final FaultInjection runtime;
    private final Operations operations;

    PoolerRescue(DatabaseRepository databases, DesiredClusters desiredClusters, FaultInjection runtime, Operations operations) {
        this.databases = databases;
        this.desiredClusters = desiredClusters;
        this.runtime = runtime;
        this.operations = operations;
    }

    /** Resumes the pooler and, when {@code frozenMember} is given, ends its abrupt failure; a sentence saying what was done. */
    String undo(UUID databaseId, String frozenMember) {
        Database db = databases.findById(databaseId).orElse(null);
        if (db == null) {
            return "The database no longer exists.";
        }
        DesiredCluster desired;
        try {
            desired = desiredClusters.of(db);
        } catch (RuntimeException e) {
            return "Its pooler could not be reached: " + FailureReasons.describe(e) + ".";
        }
        List<String> failed = new ArrayList<>();
        if (frozenMember != null) {
            try {
                runtime.endAbruptFailure(desired, frozenMember);
            } catch (RuntimeException e) {
                log.warn("could not end the abrupt failure of {} in {}: {}", frozenMember, db.getName(), e.toString());
                failed.add("ending the failure of " + frozenMember + " failed (its watchdog ends it): " + FailureReasons.describe(e));
            }
        }
        try {
            runtime.resumePooler(desired);
        } catch (RuntimeException e) {
            log.warn("could not resume the pooler of {}: {}", db.getName(), e.toString());
            failed.add("resuming the pooler failed: " + FailureReasons.describe(e));
        }
        return failed.isEmpty() ? "The pooler was resumed." : String.join("; ", failed) + ".";
    }

    /** Fails the operation unless something ended it meanwhile. */
    void failIfActive(UUID operationId, String reason) {
        if (operations.find(operationId).filter(o -> o.getState().isActive()).isPresent()) {
            operations.fail(operationId, reason);
        }
    }
}
