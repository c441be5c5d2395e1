package dev.pgfleet.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.testsupport.ControlPlane;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.quartz.Scheduler;
import org.quartz.SchedulerMetaData;
import org.springframework.jdbc.core.JdbcTemplate;

/** Quartz keeps its jobs in the metadata database and runs clustered, so replicas never fire a job twice. */
@Tag("integration")
class SchedulerIntegrationTest {

    @Test
    void quartzIsClusteredOnTheMetadataDatabase() throws Exception {
        try (ControlPlane cp = ControlPlane.start()) {
            SchedulerMetaData meta = cp.bean(Scheduler.class).getMetaData();
            assertThat(meta.isJobStoreClustered()).isTrue();
            assertThat(meta.isJobStoreSupportsPersistence()).isTrue();
            assertThat(meta.isStarted()).isTrue();
            // The scheduler checked in to the database: that row is how cluster members see each other.
            assertThat(cp.bean(JdbcTemplate.class).queryForObject(
                    "select count(*) from qrtz_scheduler_state where sched_name = 'pgfleet'", Long.class)).isEqualTo(1);
        }
    }
}
