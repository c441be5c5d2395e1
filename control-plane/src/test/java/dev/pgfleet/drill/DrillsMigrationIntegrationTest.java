package dev.pgfleet.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.system.metadata.EmbeddedMetadataStore;
import dev.pgfleet.system.process.DataPlaneUser;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.system.process.PostgresInstallations;
import dev.pgfleet.testsupport.DataPlaneProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * V14 on a real PostgreSQL holding drills as they were before it: each drill becomes an operation of kind DRILL with
 * the same state, reason and timings, named by its row; each API switchover becomes a SWITCHOVER operation and leaves
 * the drills table; the old drill jobs leave Quartz.
 */
@Tag("integration")
class DrillsMigrationIntegrationTest {
    private static final UUID TENANT = UUID.randomUUID();
    private static final UUID DATABASE = UUID.randomUUID();
    /** Before V14 a database had at most one drill pending or running (a unique index): the pending one is another's. */
    private static final UUID OTHER_DATABASE = UUID.randomUUID();

    @Test
    void drillsAndApiSwitchoversBecomeOperations() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "pgfleet-v14-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        PostgresInstallations installations = new PostgresInstallations(Path.of("/usr/lib/postgresql"), Path.of("/usr/share/postgresql"));
        EmbeddedMetadataStore store = new EmbeddedMetadataStore(dir, installations.newestBinDir(),
                new LocalProcesses(DataPlaneUser.forCurrentProcess("pgfleet")), "postgres");
        try {
            EmbeddedMetadataStore.Connection c = store.startIfNeeded();
            // Everything before V14 (V13 too, once it exists), then the rows V14 finds.
            Flyway.configure().dataSource(c.url(), c.user(), c.password()).locations("classpath:db/migration").target(lastBeforeV14())
                    .load().migrate();
            UUID passed = UUID.randomUUID();
            UUID running = UUID.randomUUID();
            UUID pending = UUID.randomUUID();
            UUID switchover = UUID.randomUUID();
            try (Connection db = DriverManager.getConnection(c.url(), c.user(), c.password()); Statement s = db.createStatement()) {
                s.execute("insert into tenants (id, name, database_quota, created_at) values ('" + TENANT + "', 'alice', 10, now())");
                for (UUID id : List.of(DATABASE, OTHER_DATABASE)) {
                    s.execute("insert into databases (id, tenant_id, name, plan, postgres_version, status, status_changed_at,"
                            + " owner_password_enc, owner_scram_verifier, superuser_password_enc, replication_password_enc,"
                            + " rest_api_password_enc, pooler_admin_password_enc, pooler_admin_scram_verifier, created_at, version)"
                            + " values ('" + id + "', '" + TENANT + "', 'db-" + id.toString().substring(0, 8) + "', 'ha', 15, 'READY', now(),"
                            + " 'x', 'x', 'x', 'x', 'x', 'x', 'x', now(), 0)");
                }
                drill(s, DATABASE, passed, "SCHEDULED", "PASSED", "Writes unavailable 0.84 s", "now() - interval '3 hours'", "now() - interval '3 hours'",
                        "now() - interval '179 minutes'", 840L);
                drill(s, DATABASE, running, "ON_DEMAND", "RUNNING", "Running: switchover of leader orders-0", "now() - interval '2 hours'",
                        "now() - interval '2 hours'", "null", null);
                drill(s, OTHER_DATABASE, pending, "ON_DEMAND", "PENDING", null, "now() - interval '1 hour'", "null", "null", null);
                drill(s, DATABASE, switchover, "API", "PASSED", "Switched over from orders-0 to orders-1", "now() - interval '30 minutes'",
                        "now() - interval '30 minutes'", "now() - interval '29 minutes'", null);
                s.execute("insert into qrtz_job_details (sched_name, job_name, job_group, job_class_name, is_durable, is_nonconcurrent,"
                        + " is_update_data, requests_recovery) values ('pgfleet', '" + DATABASE + "', 'drill', 'dev.pgfleet.drill.DrillJob',"
                        + " true, true, false, true)");
            }

            Flyway.configure().dataSource(c.url(), c.user(), c.password()).locations("classpath:db/migration").load().migrate();

            try (Connection db = DriverManager.getConnection(c.url(), c.user(), c.password()); Statement s = db.createStatement()) {
                Map<UUID, Map<String, Object>> ops = new HashMap<>();
                try (ResultSet rs = s.executeQuery("select o.*, r.id as drill_id, r.operation_id as named from database_operations o"
                        + " left join drills r on r.operation_id = o.id")) {
                    while (rs.next()) {
                        Map<String, Object> row = new HashMap<>();
                        for (String col : List.of("id", "kind", "state", "requested_by", "reason", "subject_id", "tenant_id", "database_id",
                                "started_at", "finished_at", "heartbeat_at", "attempts", "drill_id")) {
                            row.put(col, rs.getObject(col));
                        }
                        ops.put(rs.getObject("subject_id") == null ? switchover : (UUID) rs.getObject("subject_id"), row);
                    }
                }
                assertThat(ops).hasSize(4);
                assertThat(ops.get(pending)).containsEntry("database_id", OTHER_DATABASE);
                assertThat(ops.get(passed)).containsEntry("kind", "DRILL").containsEntry("state", "SUCCEEDED")
                        .containsEntry("requested_by", "schedule").containsEntry("reason", "Writes unavailable 0.84 s")
                        .containsEntry("drill_id", passed).containsEntry("tenant_id", TENANT).containsEntry("database_id", DATABASE)
                        .containsEntry("attempts", 1);
                assertThat(ops.get(passed).get("finished_at")).isNotNull();
                assertThat(ops.get(running)).containsEntry("state", "RUNNING").containsEntry("requested_by", "user")
                        .containsEntry("heartbeat_at", null).containsEntry("drill_id", running);
                assertThat(ops.get(pending)).containsEntry("state", "REQUESTED").containsEntry("attempts", 0)
                        .containsEntry("started_at", null).containsEntry("finished_at", null);
                assertThat(ops.get(switchover)).containsEntry("kind", "SWITCHOVER").containsEntry("state", "SUCCEEDED")
                        .containsEntry("reason", "Switched over from orders-0 to orders-1").containsEntry("drill_id", null);

                try (ResultSet rs = s.executeQuery("select id, operation_id from drills order by created_at")) {
                    List<UUID> left = new java.util.ArrayList<>();
                    while (rs.next()) {
                        left.add((UUID) rs.getObject(1));
                        assertThat(rs.getObject(2)).as("each drill names its operation").isEqualTo(ops.get((UUID) rs.getObject(1)).get("id"));
                    }
                    assertThat(left).as("the API switchover is no drill any more").containsExactly(passed, running, pending);
                }
                try (ResultSet rs = s.executeQuery("select count(*) from qrtz_job_details where job_group = 'drill'")) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("DrillJob's rows are gone").isZero();
                }
                // The trigger 'API' is refused from now on.
                assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> drill(s, DATABASE, UUID.randomUUID(), "API", "PASSED", null, "now()",
                        "null", "null", null))).hasMessageContaining("drills_trigger_kind_check");
            }
        } finally {
            store.stop();
            DataPlaneProcesses.deleteRecursively(dir);
        }
    }

    /** V13 where it exists (another change adds it), else V12: Flyway refuses a target that is not there. */
    private static String lastBeforeV14() throws java.io.IOException {
        return new org.springframework.core.io.support.PathMatchingResourcePatternResolver()
                .getResources("classpath:db/migration/V13__*.sql").length > 0 ? "13" : "12";
    }

    private static void drill(Statement s, UUID database, UUID id, String trigger, String status, String reason, String createdAt, String startedAt,
                              String finishedAt, Long unavailable) throws java.sql.SQLException {
        s.execute("insert into drills (id, database_id, kind, trigger_kind, status, status_reason, created_at, started_at, finished_at,"
                + " write_unavailable_millis) values ('" + id + "', '" + database + "', 'SWITCHOVER', '" + trigger + "', '" + status + "', "
                + (reason == null ? "null" : "'" + reason + "'") + ", " + createdAt + ", " + startedAt + ", " + finishedAt + ", "
                + (unavailable == null ? "null" : unavailable) + ")");
    }
}
