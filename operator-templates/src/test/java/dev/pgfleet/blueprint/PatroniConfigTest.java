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
    void leaderExpiresWithinTtlAndLoopFitsPatronisRule() {
        assertThat(PatroniConfig.LOOP_WAIT_SECONDS + 2 * PatroniConfig.RETRY_TIMEOUT_SECONDS)
                .isLessThanOrEqualTo(PatroniConfig.TTL_SECONDS);
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
