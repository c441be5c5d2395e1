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
                PatroniConfig.render(spec, Fixtures.member(spec, 0), Fixtures.DCS, Fixtures.SECRETS, Fixtures.TRUSTED));
    }

    @Test
    void haMemberMatchesGoldenFile() {
        ClusterSpec spec = Fixtures.spec(Plan.HA);
        Golden.assertMatches("patroni-ha-1.yml",
                PatroniConfig.render(spec, Fixtures.member(spec, 1), Fixtures.DCS, Fixtures.SECRETS, Fixtures.TRUSTED));
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

    @Test
    @SuppressWarnings("unchecked")
    void patroniUsesItsScopesOwnEtcdUser() {
        Map<String, Object> etcd = (Map<String, Object>) parse(Plan.HA).get("etcd3");
        assertThat(etcd).containsEntry("username", "patroni-3f1c2b7a-shop").containsEntry("password", "dcs-secret");
        assertThat(Fixtures.DCS.scopePrefix("3f1c2b7a-shop")).isEqualTo("/pgfleet/3f1c2b7a-shop/");
        assertThat(Fixtures.DCS.leaderKey("3f1c2b7a-shop")).startsWith(Fixtures.DCS.scopePrefix("3f1c2b7a-shop"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void unsafeRestEndpointsNeedThePasswordAndATrustedAddress() {
        Map<String, Object> restapi = (Map<String, Object>) parse(Plan.HA).get("restapi");
        assertThat(restapi).containsEntry("allowlist", List.of("127.0.0.1/32", "::1/128"))
                .containsEntry("allowlist_include_members", true)
                .containsEntry("authentication", Map.of("username", "pgfleet", "password", "rest-secret"));
    }

    @Test
    void superuserAndReplicationOnlyFromTrustedNetworksTheOwnerOnlyIntoItsDatabase() {
        ClusterSpec spec = Fixtures.spec(Plan.HA);
        List<String> hba = PatroniConfig.pgHba(spec, new TrustedNetworks(List.of("10.1.2.3/32")));
        assertThat(hba).containsExactly(
                "host replication replicator 10.1.2.3/32 scram-sha-256",
                "host replication all all reject",
                "host \"shop\" \"shop\" all scram-sha-256",
                "host all all 10.1.2.3/32 scram-sha-256",
                "host all all all reject");
        // Anything not from 10.1.2.3 falls through to the reject line unless it is the owner into its database.
        assertThat(firstMatch(hba, "postgres", "postgres", "10.9.9.9")).isEqualTo("host all all all reject");
        assertThat(firstMatch(hba, "replication", "replicator", "10.9.9.9")).isEqualTo("host replication all all reject");
        assertThat(firstMatch(hba, "replication", "replicator", "10.1.2.3")).isEqualTo(hba.get(0));
        assertThat(firstMatch(hba, "shop", "postgres", "10.9.9.9")).isEqualTo("host all all all reject");
        assertThat(firstMatch(hba, "postgres", "shop", "10.9.9.9")).isEqualTo("host all all all reject");
        assertThat(firstMatch(hba, "shop", "shop", "10.9.9.9")).endsWith("scram-sha-256");
        assertThat(firstMatch(hba, "postgres", "postgres", "10.1.2.3")).isEqualTo("host all all 10.1.2.3/32 scram-sha-256");
    }

    /**
     * With TLS the same rules hold, but an accepting line admits plaintext only from loopback: from any other address
     * a plaintext connection falls through to a reject, a TLS one reaches the same rule as before.
     */
    @Test
    void withTlsPlaintextOnlyFromLoopbackAndEveryOtherRuleNeedsTls() {
        ClusterSpec spec = Fixtures.spec(Plan.HA);
        List<String> hba = PatroniConfig.pgHba(spec, new TrustedNetworks(List.of("127.0.0.1/32", "10.1.2.3/32")), true);
        assertThat(hba).containsExactly(
                "host replication replicator 127.0.0.1/32 scram-sha-256",
                "hostssl replication replicator 10.1.2.3/32 scram-sha-256",
                "host replication all all reject",
                "host \"shop\" \"shop\" 127.0.0.0/8 scram-sha-256",
                "host \"shop\" \"shop\" ::1/128 scram-sha-256",
                "hostssl \"shop\" \"shop\" all scram-sha-256",
                "host all all 127.0.0.1/32 scram-sha-256",
                "hostssl all all 10.1.2.3/32 scram-sha-256",
                "host all all all reject");
        // Plaintext (a hostssl line never matches it) from a non-loopback address: always refused.
        List<String> plaintext = hba.stream().filter(l -> !l.startsWith("hostssl")).toList();
        assertThat(firstMatch(plaintext, "shop", "shop", "10.9.9.9")).isEqualTo("host all all all reject");
        assertThat(firstMatch(plaintext, "replication", "replicator", "10.1.2.3")).isEqualTo("host replication all all reject");
        assertThat(firstMatch(plaintext, "postgres", "postgres", "10.1.2.3")).isEqualTo("host all all all reject");
        // Plaintext from loopback: the documented exception.
        assertThat(firstMatch(plaintext, "shop", "shop", "127.0.0.1")).isEqualTo("host \"shop\" \"shop\" 127.0.0.0/8 scram-sha-256");
        // TLS: the same answers as without it.
        assertThat(firstMatch(hba, "shop", "shop", "10.9.9.9")).isEqualTo("hostssl \"shop\" \"shop\" all scram-sha-256");
        assertThat(firstMatch(hba, "replication", "replicator", "10.1.2.3")).isEqualTo("hostssl replication replicator 10.1.2.3/32 scram-sha-256");
        assertThat(firstMatch(hba, "postgres", "postgres", "10.9.9.9")).isEqualTo("host all all all reject");
    }

    /** Kubernetes trusts anywhere: loopback keeps plaintext, every other address of the range needs TLS. */
    @Test
    void withTlsAnAnywhereRangeSplitsIntoLoopbackAndTls() {
        List<String> hba = PatroniConfig.pgHba(Fixtures.spec(Plan.DEV), TrustedNetworks.anywhere(), true);
        assertThat(hba).contains("host all all 127.0.0.0/8 scram-sha-256", "hostssl all all 0.0.0.0/0 scram-sha-256",
                "host all all ::1/128 scram-sha-256", "hostssl all all ::/0 scram-sha-256")
                .doesNotContain("host all all 0.0.0.0/0 scram-sha-256", "host all all ::/0 scram-sha-256");
    }

    /** Without TLS files nothing about TLS is rendered (the Kubernetes runtime until its slice lands). */
    @Test
    void withoutTlsFilesTheMemberRendersAsBefore() {
        PatroniMember plain = Fixtures.member(Fixtures.spec(Plan.DEV), 0);
        plain = new PatroniMember(plain.name(), plain.listenHost(), plain.connectHost(), plain.pgPort(), plain.restPort(),
                plain.dataDir(), plain.binDir(), plain.pgpassFile(), plain.logDir(), null);
        String yml = PatroniConfig.render(Fixtures.spec(Plan.DEV), plain, Fixtures.DCS, Fixtures.SECRETS, Fixtures.TRUSTED);
        assertThat(yml).doesNotContain("ssl").doesNotContain("hostssl").contains("- host \"shop\" \"shop\" all scram-sha-256");
    }

    @Test
    void trustedNetworksAreCidrsAndNothingElse() {
        assertThat(new TrustedNetworks(List.of("127.0.0.1/32", "::1/128", "fd00::/8")).isAnywhere()).isFalse();
        assertThat(TrustedNetworks.anywhere().isAnywhere()).isTrue();
        for (String bad : List.of("all", "127.0.0.1", "300.0.0.1/32", "10.0.0.0/33", "10.0.0.0/8 trust", "", "::1/129")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TrustedNetworks(List.of(bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** The first pg_hba line that matches a TCP connection, with the subset of pg_hba's rules these lines use. */
    private static String firstMatch(List<String> hba, String database, String user, String ipv4) {
        for (String line : hba) {
            String[] f = line.split("\\s+");
            boolean db = f[1].equals("all") ? !database.equals("replication")
                    : f[1].equals("replication") ? database.equals("replication") : f[1].equals("\"" + database + "\"");
            boolean role = f[2].equals("all") || f[2].equals(user) || f[2].equals("\"" + user + "\"");
            if (db && role && inNetwork(f[3], ipv4)) {
                return line;
            }
        }
        return "no match";
    }

    private static boolean inNetwork(String cidr, String ipv4) {
        if (cidr.equals("all")) {
            return true;
        }
        if (cidr.contains(":")) {
            return false;
        }
        String[] parts = cidr.split("/");
        int bits = Integer.parseInt(parts[1]);
        long mask = bits == 0 ? 0 : (0xffffffffL << (32 - bits)) & 0xffffffffL;
        return (toLong(parts[0]) & mask) == (toLong(ipv4) & mask);
    }

    private static long toLong(String ip) {
        long v = 0;
        for (String octet : ip.split("\\.")) {
            v = (v << 8) | Integer.parseInt(octet);
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> bootstrapDcs(Plan plan) {
        return (Map<String, Object>) ((Map<String, Object>) parse(plan).get("bootstrap")).get("dcs");
    }

    private static Map<String, Object> parse(Plan plan) {
        ClusterSpec spec = Fixtures.spec(plan);
        String yaml = PatroniConfig.render(spec, Fixtures.member(spec, 1), Fixtures.DCS, Fixtures.SECRETS, Fixtures.TRUSTED);
        return new org.yaml.snakeyaml.Yaml().load(yaml);
    }
}
