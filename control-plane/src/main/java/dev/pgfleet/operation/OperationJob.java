package dev.pgfleet.operation;

import java.util.UUID;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * One (kind, database) job of {@link DatabaseSchedules}: hands the firing to the kind's {@link OperationHandler}. Quartz
 * never runs one JobDetail twice at once across clustered replicas.
 */
@DisallowConcurrentExecution
public class OperationJob implements Job {
    static final String DATABASE_ID = "databaseId";
    static final String KIND = "kind";
    static final String OPERATION_ID = "operationId";
    private static final Logger log = LoggerFactory.getLogger(OperationJob.class);

    private OperationHandlers handlers;
    private Operations operations;

    @Autowired
    void setCollaborators(OperationHandlers handlers, Operations operations) {
        this.handlers = handlers;
        this.operations = operations;
    }

    @Override
    public void execute(JobExecutionContext context) {
        UUID databaseId = UUID.fromString(context.getMergedJobDataMap().getString(DATABASE_ID));
        OperationKind kind = OperationKind.valueOf(context.getMergedJobDataMap().getString(KIND));
        String operationId = context.getTrigger().getJobDataMap().getString(OPERATION_ID);
        OperationHandler handler = handlers.of(kind).orElse(null);
        if (handler == null) {
            log.warn("no handler for {} (database {}): firing ignored", kind, databaseId);
            return;
        }
        try {
            if (operationId != null) {
                handler.run(databaseId, UUID.fromString(operationId));
            } else {
                handler.onSchedule(databaseId);
            }
        } finally {
            operations.releaseThread(); // an operation the handler left RUNNING without an outcome goes to recovery
        }
    }
}
