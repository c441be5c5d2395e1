package dev.pgfleet.backup;

import java.util.Optional;
import java.util.UUID;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * One database's backup job. Quartz never runs one JobDetail twice at once, across all clustered replicas,
 * so two backups of one database never run together. A trigger carrying a backup id runs that (on-demand,
 * retried or waiting) backup; the cron trigger creates a scheduled one first, unless the tenant's storage quota is
 * reached. A job beyond the tenant's number of running backups waits its turn (see {@link BackupAdmission}).
 */
@DisallowConcurrentExecution
public class BackupJob implements Job {
    static final String DATABASE_ID = "databaseId";
    static final String BACKUP_ID = "backupId";

    private BackupLedger ledger;
    private BackupRunner runner;
    private BackupSchedules schedules;
    private BackupAdmission admission;

    @Autowired
    void setCollaborators(BackupLedger ledger, BackupRunner runner, BackupSchedules schedules, BackupAdmission admission) {
        this.ledger = ledger;
        this.runner = runner;
        this.schedules = schedules;
        this.admission = admission;
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
            id = admission.scheduledBackup(databaseId).orElse(null);
        }
        if (id == null) {
            return; // nothing to recover, a backup of this database is already pending or running, or over quota
        }
        if (context.isRecovering()) {
            // The control plane that ran this backup died mid-dump: its attempt is over, the file incomplete.
            ledger.interrupted(id);
        }
        Optional<String> wait = admission.mustWait(databaseId);
        if (wait.isPresent()) {
            ledger.waiting(id, wait.get());
            schedules.runLater(databaseId, id, BackupAdmission.nextTurn());
            return;
        }
        if (runner.run(id) == BackupRunner.Outcome.RETRY) {
            int attempts = ledger.find(id).map(Backup::getAttempts).orElse(BackupRunner.MAX_ATTEMPTS);
            schedules.runLater(databaseId, id, BackupSchedules.retryDelay(attempts));
        }
    }
}
