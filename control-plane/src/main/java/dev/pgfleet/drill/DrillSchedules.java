package dev.pgfleet.drill;

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
 * Keeps Quartz in step with drill policies (I/O on the Quartz job store). Misfires: a drill missed while no
 * control plane ran is skipped, not made up later (a drill at an unexpected hour is worse than one fewer);
 * an on-demand drill fires at once.
 */
@Component
class DrillSchedules {
    private static final String GROUP = "drill";

    private final Scheduler scheduler;

    DrillSchedules(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    void applyPolicy(DrillPolicy policy) {
        try {
            ensureJob(policy.getDatabaseId());
            TriggerKey key = cronKey(policy.getDatabaseId());
            if (!policy.isEnabled()) {
                scheduler.unscheduleJob(key);
                return;
            }
            Trigger trigger = TriggerBuilder.newTrigger().withIdentity(key).forJob(jobKey(policy.getDatabaseId()))
                    .withSchedule(CronScheduleBuilder.cronSchedule(policy.getCron()).withMisfireHandlingInstructionDoNothing())
                    .build();
            if (scheduler.checkExists(key)) {
                scheduler.rescheduleJob(key, trigger);
            } else {
                scheduler.scheduleJob(trigger);
            }
        } catch (SchedulerException e) {
            throw new IllegalStateException("could not schedule drills of " + policy.getDatabaseId() + ": " + e.getMessage(), e);
        }
    }

    void runNow(UUID databaseId, UUID drillId) {
        try {
            ensureJob(databaseId);
            scheduler.scheduleJob(TriggerBuilder.newTrigger().withIdentity("run-" + drillId, GROUP).forJob(jobKey(databaseId))
                    .usingJobData(DrillJob.DRILL_ID, drillId.toString()).startNow()
                    .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow()).build());
        } catch (SchedulerException e) {
            throw new IllegalStateException("could not start drill " + drillId + ": " + e.getMessage(), e);
        }
    }

    void forget(UUID databaseId) {
        try {
            scheduler.deleteJob(jobKey(databaseId));
        } catch (SchedulerException e) {
            throw new IllegalStateException("could not remove the drill schedule of " + databaseId + ": " + e.getMessage(), e);
        }
    }

    private void ensureJob(UUID databaseId) throws SchedulerException {
        JobDetail job = JobBuilder.newJob(DrillJob.class).withIdentity(jobKey(databaseId))
                .usingJobData(DrillJob.DATABASE_ID, databaseId.toString()).storeDurably().requestRecovery(true).build();
        scheduler.addJob(job, true);
    }

    private static JobKey jobKey(UUID databaseId) {
        return JobKey.jobKey(databaseId.toString(), GROUP);
    }

    private static TriggerKey cronKey(UUID databaseId) {
        return TriggerKey.triggerKey("cron-" + databaseId, GROUP);
    }
}
