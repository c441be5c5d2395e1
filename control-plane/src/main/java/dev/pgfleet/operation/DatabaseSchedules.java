package dev.pgfleet.operation;

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
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.springframework.stereotype.Component;

/**
 * The one Quartz helper for per-database work (I/O on the clustered Quartz job store). Each (kind, database) is one
 * durable {@link OperationJob} — job group = the kind's API name, job name = the database id — so Quartz never runs two
 * of one kind for one database at once, on any replica. A policy's cron trigger fires {@link OperationHandler#onSchedule};
 * a one-shot trigger carrying an operation id fires {@link OperationHandler#run}.
 * Misfires: a cron firing missed while no replica ran fires once when one runs again (then the schedule continues); a
 * missed one-shot fires at once. Interrupted runs are not Quartz's to recover: {@link OperationRecovery} does that.
 */
@Component
public class DatabaseSchedules {
    private final Scheduler scheduler;

    DatabaseSchedules(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** The database's cron trigger for {@code kind} follows its policy (replaced at once when it changed; removed when disabled). */
    public void applyCron(OperationKind kind, UUID databaseId, String cron, boolean enabled) {
        try {
            ensureJob(kind, databaseId);
            TriggerKey key = cronKey(kind, databaseId);
            if (!enabled) {
                scheduler.unscheduleJob(key);
                return;
            }
            var trigger = TriggerBuilder.newTrigger().withIdentity(key).forJob(jobKey(kind, databaseId))
                    .withSchedule(CronScheduleBuilder.cronSchedule(cron).withMisfireHandlingInstructionFireAndProceed()).build();
            if (scheduler.checkExists(key)) {
                scheduler.rescheduleJob(key, trigger);
            } else {
                scheduler.scheduleJob(trigger);
            }
        } catch (SchedulerException e) {
            throw new IllegalStateException("could not schedule " + kind.apiName() + " of " + databaseId + ": " + e.getMessage(), e);
        }
    }

    /** Runs the REQUESTED operation after {@code delay} (on demand: zero; a retry or a wait for a turn: later). */
    public void runSoon(OperationKind kind, UUID databaseId, UUID operationId, Duration delay) {
        try {
            ensureJob(kind, databaseId);
            scheduler.scheduleJob(TriggerBuilder.newTrigger()
                    .withIdentity("run-" + operationId + "-" + System.nanoTime(), kind.apiName()).forJob(jobKey(kind, databaseId))
                    .usingJobData(OperationJob.OPERATION_ID, operationId.toString())
                    .startAt(new Date(System.currentTimeMillis() + delay.toMillis()))
                    .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
                    .build());
        } catch (SchedulerException e) {
            throw new IllegalStateException("could not start " + kind.apiName() + " of " + databaseId + ": " + e.getMessage(), e);
        }
    }

    /** Removes every schedule and pending trigger of the database, of every kind (it is being deleted). */
    public void forgetDatabase(UUID databaseId) {
        for (OperationKind kind : OperationKind.values()) {
            try {
                scheduler.deleteJob(jobKey(kind, databaseId));
            } catch (SchedulerException e) {
                throw new IllegalStateException("could not remove the " + kind.apiName() + " schedule of " + databaseId + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /**
     * Whether a one-shot trigger carrying {@code operationId} is waiting or firing for it (a cron trigger does not count:
     * it requests new operations, it never runs a waiting one).
     */
    public boolean hasRunTrigger(OperationKind kind, UUID databaseId, UUID operationId) {
        try {
            for (var t : scheduler.getTriggersOfJob(jobKey(kind, databaseId))) {
                if (operationId.toString().equals(t.getJobDataMap().getString(OperationJob.OPERATION_ID))) {
                    return true;
                }
            }
            return false;
        } catch (SchedulerException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Quartz's job group of a kind: how per-tenant admission counts executing jobs of one kind in QRTZ_FIRED_TRIGGERS. */
    public static String group(OperationKind kind) {
        return kind.apiName();
    }

    private void ensureJob(OperationKind kind, UUID databaseId) throws SchedulerException {
        JobDetail job = JobBuilder.newJob(OperationJob.class).withIdentity(jobKey(kind, databaseId))
                .usingJobData(OperationJob.DATABASE_ID, databaseId.toString())
                .usingJobData(OperationJob.KIND, kind.name()).storeDurably().build();
        scheduler.addJob(job, true);
    }

    private static JobKey jobKey(OperationKind kind, UUID databaseId) {
        return JobKey.jobKey(databaseId.toString(), group(kind));
    }

    private static TriggerKey cronKey(OperationKind kind, UUID databaseId) {
        return TriggerKey.triggerKey("cron-" + databaseId, group(kind));
    }
}
