package dev.pgfleet.drill;

import java.util.UUID;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * One database's drill job. Quartz never runs one JobDetail twice at once, across clustered replicas. A trigger
 * carrying a drill id runs that on-demand drill; the cron trigger creates a scheduled one first. A drill whose
 * control plane died is not re-run (the cluster's state is no longer what it started from): it is recorded as
 * failed, and its pooler resumed in case it was paused.
 */
@DisallowConcurrentExecution
public class DrillJob implements Job {
    static final String DATABASE_ID = "databaseId";
    static final String DRILL_ID = "drillId";

    private DrillLedger ledger;
    private DrillRunner runner;
    private DrillService service;

    @Autowired
    void setCollaborators(DrillLedger ledger, DrillRunner runner, DrillService service) {
        this.ledger = ledger;
        this.runner = runner;
        this.service = service;
    }

    @Override
    public void execute(JobExecutionContext context) {
        UUID databaseId = UUID.fromString(context.getMergedJobDataMap().getString(DATABASE_ID));
        if (context.isRecovering()) {
            ledger.active(databaseId).ifPresent(d -> service.abandon(d, "interrupted: the control plane running it stopped"));
            return;
        }
        String drillId = context.getTrigger().getJobDataMap().getString(DRILL_ID);
        if (drillId != null) {
            runner.run(UUID.fromString(drillId));
        } else {
            service.scheduledDrill(databaseId).ifPresent(runner::run);
        }
    }
}
