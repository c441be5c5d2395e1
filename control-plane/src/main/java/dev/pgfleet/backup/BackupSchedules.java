package dev.pgfleet.backup;

import java.time.Duration;
import java.util.Date;
import java.util.UUID;
import org.quartz.CronScheduleBuilder;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.springframework.stereotype.Component;

/**
 * Keeps Quartz in step with backup policies (I/O on the Quartz job store). Misfires: a cron firing missed
 * while no replica ran is fired once as soon as one runs again (then the schedule continues); a missed
 * one-shot (on-demand or retry) fires at once.
 */
@Component
class BackupSchedules {
    static final String GROUP = "backup";

    private final Scheduler scheduler;

    BackupSchedules(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** The database's cron trigger follows its policy (replaced at once when the policy changed). */
    void applyPolicy(BackupPolicy policy) {
        try {
            ensureJob(policy.getDatabaseId());
            TriggerKey key = cronKey(policy.getDatabaseId());
            if (!policy.isEnabled()) {
                scheduler.unscheduleJob(key);
                return;
            }
            Trigger trigger = TriggerBuilder.newTrigger().withIdentity(key).forJob(jobKey(policy.getDatabaseId()))
                    .withSchedule(CronScheduleBuilder.cronSchedule(policy.getCron()).withMisfireHandlingInstructionFireAndProceed())
                    .build();
            if (scheduler.checkExists(key)) {
                scheduler.rescheduleJob(key, trigger);
            } else {
                scheduler.scheduleJob(trigger);
            }
        } catch (SchedulerException e) {
            throw new IllegalStateException("could not schedule backups of " + policy.getDatabaseId() + ": " + e.getMessage(), e);
        }
    }

    /** Runs one backup soon (on demand, or a retry after a failed attempt). */
    void runLater(UUID databaseId, UUID backupId, Duration delay) {
        try {
            ensureJob(databaseId);
            scheduler.scheduleJob(TriggerBuilder.newTrigger()
                    .withIdentity("run-" + backupId + "-" + System.nanoTime(), GROUP).forJob(jobKey(databaseId))
                    .usingJobData(BackupJob.BACKUP_ID, backupId.toString())
                    .startAt(new Date(System.currentTimeMillis() + delay.toMillis()))
                    .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
                    .build());
        } catch (SchedulerException e) {
            throw new IllegalStateException("could not start a backup of " + databaseId + ": " + e.getMessage(), e);
        }
    }

    void forget(UUID databaseId) {
        try {
            scheduler.deleteJob(jobKey(databaseId));
        } catch (SchedulerException e) {
            throw new IllegalStateException("could not remove the backup schedule of " + databaseId + ": " + e.getMessage(), e);
        }
    }

    static Duration retryDelay(int attempts) {
        return Duration.ofSeconds(30L << Math.max(0, Math.min(attempts - 1, 4)));
    }

    /** Adds the database's job, or replaces its definition (keeping its triggers) so it is always current. */
    private void ensureJob(UUID databaseId) throws SchedulerException {
        JobDetail job = JobBuilder.newJob(BackupJob.class).withIdentity(jobKey(databaseId))
                .usingJobData(BackupJob.DATABASE_ID, databaseId.toString()).storeDurably()
                // If the replica running a backup dies, another one re-runs it (see BackupJob).
                .requestRecovery(true).build();
        scheduler.addJob(job, true);
    }

    private static JobKey jobKey(UUID databaseId) {
        return JobKey.jobKey(databaseId.toString(), GROUP);
    }

    private static TriggerKey cronKey(UUID databaseId) {
        return TriggerKey.triggerKey("cron-" + databaseId, GROUP);
    }
}
