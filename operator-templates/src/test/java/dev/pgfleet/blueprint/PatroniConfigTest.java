package dev.pgfleet.blueprint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PatroniConfigTest {

    @Test
    void devMemberMatchesGoldenFile() {
        ClusterSpec spec = Fixtures.spec(Plan.DEV);
        Golden.assertMatches("patroni-dev-0.yml",
                PatroniConfig.render(spec, Fixtures.member(spec, 0), Fixtures.DCS, Fixtures.SECRETS));
    }

    @Test
    void haMemberMatchesGoldenFile() {
        ClusterSpec spec = Fixtures.spec(Plan.HA);
        Golden.assertMatches("patroni-ha-1.yml",
                PatroniConfig.render(spec, Fixtures.member(spec, 1), Fixtures.DCS, Fixtures.SECRETS));
    }

    @Test
    void haIsSynchronousAndDevIsNot() {
        assertThat(bootstrapDcs(Plan.HA)).containsEntry("synchronous_mode", true);
        assertThat(bootstrapDcs(Plan.DEV)).containsEntry("synchronous_mode", false);
    }

    @Test
    @SuppressWarnings("unchecked")
    void clusterWideParametersGoToBootstrapDcsAndNotToTheMember() {
        Map<String, Object> doc = parse(Plan.HA);
        Map<String, Object> dcsParameters = (Map<String, Object>)
                ((Map<String, Object>) bootstrapDcs(Plan.HA).get("postgresql")).get("parameters");
        Map<String, Object> memberParameters = (Map<String, Object>)
                ((Map<String, Object>) doc.get("postgresql")).get("parameters");

        assertThat(dcsParameters).containsKeys("max_connections", "wal_level", "max_wal_senders",
                "max_replication_slots", "max_worker_processes", "max_locks_per_transaction", "wal_log_hints");
        assertThat(memberParameters).doesNotContainKeys(dcsParameters.keySet().toArray(String[]::new));
        assertThat(memberParameters).containsKeys("shared_buffers", "maintenance_work_mem", "work_mem",
                "effective_cache_size", "max_parallel_maintenance_workers");
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachPlansTimingReachesTheDcsAndFitsPatronisRule() {
        for (Plan plan : Plan.values()) {
            Map<String, Object> dcs = (Map<String, Object>) ((Map<String, Object>) parse(plan).get("bootstrap")).get("dcs");
            PatroniTiming t = plan.timing();
            assertThat(dcs).containsEntry("ttl", t.ttl()).containsEntry("loop_wait", t.loopWait())
                    .containsEntry("retry_timeout", t.retryTimeout());
            assertThat(t.loopWait() + 2 * t.retryTimeout()).as(plan.id()).isLessThanOrEqualTo(t.ttl());
        }
    }

    @Test
    void haDetectsADeadLeaderFastEnoughForItsKillPrimaryTarget() {
        // Detection (key expiry + one replica cycle) must leave room for promotion and the pooler's retarget.
        int target = (int) Plan.HA.failoverTargets().orElseThrow().killPrimaryWriteUnavailability().toSeconds();
        assertThat(Plan.HA.timing().worstCaseDetectionSeconds()).isLessThanOrEqualTo(target - 2);
        assertThat(Plan.DEV.failoverTargets()).isEmpty();
    }

    @Test
    void timingThatBreaksPatronisRuleIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PatroniTiming(10, 2, 5))
                .hasMessageContaining("loop_wait + 2 * retry_timeout <= ttl");
    }

    @Test
    @SuppressWarnings("unchecked")
    void membersUseEtcdV3AndTheirOwnAddresses() {
        Map<String, Object> doc = parse(Plan.HA);
        assertThat((Map<String, Object>) doc.get("etcd3")).containsEntry("hosts", List.of("127.0.0.1:2379"));
        assertThat((Map<String, Object>) doc.get("postgresql")).containsEntry("listen", "127.0.0.1:6001");
        assertThat((Map<String, Object>) doc.get("restapi")).containsEntry("connect_address", "127.0.0.1:7001");
        assertThat(doc).containsEntry("scope", "3f1c2b7a-shop").containsEntry("name", "shop-1");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> bootstrapDcs(Plan plan) {
        return (Map<String, Object>) ((Map<String, Object>) parse(plan).get("bootstrap")).get("dcs");
    }

    private static Map<String, Object> parse(Plan plan) {
        ClusterSpec spec = Fixtures.spec(plan);
        String yaml = PatroniConfig.render(spec, Fixtures.member(spec, 1), Fixtures.DCS, Fixtures.SECRETS);
        return new org.yaml.snakeyaml.Yaml().load(yaml);
    }
}
