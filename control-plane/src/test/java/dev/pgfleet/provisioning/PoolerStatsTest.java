package dev.pgfleet.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PoolerStatsTest {
    /** As PgBouncer 1.18 answers (captured with psql -X -A -q -P footer=off), with two users on the tenant's pool. */
    static final String POOLS_1_18 = """
            database|user|cl_active|cl_waiting|cl_active_cancel_req|cl_waiting_cancel_req|sv_active|sv_active_cancel|sv_being_canceled|sv_idle|sv_used|sv_tested|sv_login|maxwait|maxwait_us|pool_mode
            pgbouncer|pgbouncer|1|0|0|0|0|0|0|0|0|0|0|0|0|statement
            shop|shop|7|3|0|0|4|0|0|1|0|0|0|2|250000|transaction
            shop|reporting|2|0|0|0|1|0|0|2|0|0|0|0|0|transaction
            """;
    static final String STATS_1_18 = """
            database|total_xact_count|total_query_count|total_received|total_sent|total_xact_time|total_query_time|total_wait_time|avg_xact_count|avg_query_count|avg_recv|avg_sent|avg_xact_time|avg_query_time|avg_wait_time
            pgbouncer|2|2|0|0|0|0|0|0|0|0|0|0|0|0
            shop|1200|2400|1|1|1|1|1|80|160|1|1|900|450|1750
            """;

    @Test
    void sumsTheTenantsPoolOverItsUsersAndIgnoresTheAdminConsole() {
        PoolerStats s = PoolerStats.parse(POOLS_1_18, STATS_1_18, "shop");
        assertThat(s).isEqualTo(new PoolerStats(9, 3, 5, 3, 2_250_000, 1750, 80, 1));
    }

    @Test
    void findsColumnsByNameSoANewerPgBouncersExtraColumnsDoNotShiftThem() {
        String pools = """
                database|user|cl_active|cl_waiting|cl_active_cancel_req|cl_waiting_cancel_req|sv_active|sv_active_cancel|sv_being_canceled|sv_idle|sv_used|sv_tested|sv_login|maxwait|maxwait_us|pool_mode|load_balance_hosts
                shop|shop|1|0|0|0|1|0|0|0|0|0|0|0|0|transaction|
                """;
        String stats = """
                database|total_server_assignment_count|total_xact_count|total_query_count|total_received|total_sent|total_xact_time|total_query_time|total_wait_time|avg_server_assignment_count|avg_xact_count|avg_query_count|avg_recv|avg_sent|avg_xact_time|avg_query_time|avg_wait_time
                shop|9|9|9|9|9|9|9|9|9|12|9|9|9|9|9|40
                """;
        PoolerStats s = PoolerStats.parse(pools, stats, "shop");
        assertThat(s.transactionsPerSecond()).isEqualTo(12);
        assertThat(s.averageWaitMicros()).isEqualTo(40);
        assertThat(s.clientActive()).isEqualTo(1);
    }

    @Test
    void aPoolNotOpenedYetIsAllZeros() {
        String pools = POOLS_1_18.lines().limit(2).reduce("", (a, b) -> a + b + "\n");
        String stats = STATS_1_18.lines().limit(2).reduce("", (a, b) -> a + b + "\n");
        assertThat(PoolerStats.parse(pools, stats, "shop")).isEqualTo(new PoolerStats(0, 0, 0, 0, 0, 0, 0, 1));
    }

    @Test
    void skipsWhatPsqlPrintsBeforeTheHeader() {
        PoolerStats s = PoolerStats.parse("WARNING:  something\n" + POOLS_1_18, STATS_1_18, "shop");
        assertThat(s.clientWaiting()).isEqualTo(3);
    }

    @Test
    void anAnswerWithoutHeaderOrColumnIsAnErrorNotAZero() {
        assertThatThrownBy(() -> PoolerStats.parse("psql: error: connection refused", STATS_1_18, "shop"))
                .hasMessageContaining("no header row").hasMessageContaining("connection refused");
        assertThatThrownBy(() -> PoolerStats.parse("database|user|cl_active\nshop|shop|1\n", STATS_1_18, "shop"))
                .hasMessageContaining("cl_waiting");
    }

    @Test
    void severalPoolersAddUpAndKeepTheWorstWait() {
        PoolerStats a = new PoolerStats(1, 2, 3, 4, 500, 10, 7, 1);
        PoolerStats b = new PoolerStats(10, 0, 30, 40, 100, 90, 3, 1);
        assertThat(PoolerStats.NONE.plus(a).plus(b)).isEqualTo(new PoolerStats(11, 2, 33, 44, 500, 90, 10, 2));
    }
}
