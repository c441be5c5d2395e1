package dev.pgfleet.blueprint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresParametersTest {

    @Test
    void haMemberIsSizedForHnswBuilds() {
        Map<String, String> p = PostgresParameters.tuned(Plan.HA.memberResources());
        assertThat(p).containsEntry("shared_buffers", "1024MB")
                .containsEntry("effective_cache_size", "3072MB")
                .containsEntry("maintenance_work_mem", "819MB")
                .containsEntry("max_parallel_maintenance_workers", "1")
                .containsEntry("max_parallel_workers", "2");
    }

    @Test
    void smallMembersKeepSaneFloors() {
        Map<String, String> p = PostgresParameters.tuned(new Resources(1, 256L << 20));
        assertThat(p).containsEntry("maintenance_work_mem", "64MB").containsEntry("work_mem", "4MB")
                .containsEntry("max_parallel_maintenance_workers", "1");
    }

    @Test
    void largeMembersAreCapped() {
        Map<String, String> p = PostgresParameters.tuned(new Resources(16, 128L << 30));
        assertThat(p).containsEntry("maintenance_work_mem", "8192MB").containsEntry("work_mem", "256MB")
                .containsEntry("max_parallel_maintenance_workers", "15");
    }
}
