package dev.pgfleet.backup;

import java.util.UUID;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * One database's backup job. Quartz never runs one JobDetail twice at once, across all clustered replicas,
 * so two backups of one database never run together. A trigger carrying a backup id runs that (on-demand or
 * retried) backup; the cron trigger creates a scheduled one first.
 */
@DisallowConcurrentExecution
public class BackupJob implements Job {
    static final String DATABASE_ID = "databaseId";
    static final String BACKUP_ID = "backupId";

    private BackupLedger ledger;
    private BackupRunner runner;
    private BackupSchedules schedules;

    @Autowired
    void setCollaborators(BackupLedger ledger, BackupRunner runner, BackupSchedules schedules) {
        this.ledger = ledger;
        this.runner = runner;
        this.schedules = schedules;
    }

    @Override
    public void execute(JobExecutionContext context) {
        UUID databaseId = UUID.fromString(context.getMergedJobDataMap().getString(DATABASE_ID));
        String backupId = context.getTrigger().getJobDataMap().getString(BACKUP_ID);
        UUID id;
        if (backupId != null) {
            id = UUID.fromString(backupId);
        } else if (context.isRecovering()) {
            id = ledger.active(databaseId).map(Backup::getId).orElse(null); // the scheduled one the dead replica ran
        } else {
            id = ledger.createIfIdle(databaseId, Backup.Trigger.SCHEDULED).map(Backup::getId).orElse(null);
        }
        if (id == null) {
            return; // nothing to recover, or a backup of this database is already pending or running
        }
        if (context.isRecovering()) {
            // The control plane that ran this backup died mid-dump: its attempt is over, the file incomplete.
            ledger.interrupted(id);
        }
        if (runner.run(id) == BackupRunner.Outcome.RETRY) {
            int attempts = ledger.find(id).map(Backup::getAttempts).orElse(BackupRunner.MAX_ATTEMPTS);
            schedules.runLater(databaseId, id, BackupSchedules.retryDelay(attempts));
        }
    }
}
