package dev.pgfleet.blueprint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds one member's Patroni configuration (patroni.yml) from the spec. Pure: the same inputs give
 * the same text, byte for byte.
 *
 * <p>Timing (ttl, loop_wait, retry_timeout) comes from the plan: see {@link PatroniTiming} and docs/ha.md.
 */
public final class PatroniConfig {
    /** A replica further behind than this is never promoted automatically. */
    public static final long MAXIMUM_LAG_ON_FAILOVER_BYTES = 1L << 20;

    private PatroniConfig() {
    }

    /**
     * @param trusted where the control plane and the members connect from: the only addresses that reach the
     *                superuser and replication roles and Patroni's state-changing REST endpoints
     */
    public static String render(ClusterSpec spec, PatroniMember member, Dcs dcs, ClusterSecrets secrets,
                                TrustedNetworks trusted) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("scope", spec.scope());
        doc.put("namespace", dcs.namespace());
        doc.put("name", member.name());

        // No log directory: Patroni logs to stderr (a container's log).
        doc.put("log", member.logDir() == null ? map("level", "INFO")
                : map("dir", member.logDir(), "level", "INFO", "file_num", 4, "file_size", 10 << 20));

        doc.put("restapi", restApi(member, secrets, trusted));

        // The scope's own etcd user: its role may read and write only this scope's keys.
        doc.put("etcd3", map("hosts", dcs.etcdHosts(), "protocol", "http",
                "username", Dcs.scopeUser(spec.scope()), "password", secrets.dcsPassword()));

        doc.put("bootstrap", bootstrap(spec.plan()));

        Map<String, Object> postgresql = new LinkedHashMap<>();
        postgresql.put("listen", member.listenHost() + ":" + member.pgPort());
        postgresql.put("connect_address", member.connectHost() + ":" + member.pgPort());
        postgresql.put("data_dir", member.dataDir());
        postgresql.put("bin_dir", member.binDir());
        postgresql.put("pgpass", member.pgpassFile());
        postgresql.put("use_unix_socket", false);
        postgresql.put("authentication", map(
                "superuser", clientAuthentication(ClusterSecrets.SUPERUSER, secrets.superuserPassword(), member.tls()),
                "replication", clientAuthentication(ClusterSecrets.REPLICATION_USER, secrets.replicationPassword(), member.tls())));
        // A former leader that cannot be rewound is re-cloned from the new leader: synchronous mode
        // guarantees every acknowledged commit is already there.
        postgresql.put("remove_data_directory_on_rewind_failure", true);
        postgresql.put("remove_data_directory_on_diverged_timelines", true);
        postgresql.put("basebackup", List.of(map("checkpoint", "fast")));
        postgresql.put("pg_hba", pgHba(spec, trusted, member.tls() != null));
        Map<String, Object> parameters = PostgresParameters.asYamlMap(PostgresParameters.tuned(spec.memberResources()));
        // Only TCP: no socket files to collide between members sharing a machine.
        parameters.put("unix_socket_directories", "");
        if (member.tls() != null) {
            // Per member, not in bootstrap.dcs: the paths are the member's own. A reload picks up new file contents.
            parameters.put("ssl", "on");
            parameters.put("ssl_cert_file", member.tls().certificateFile());
            parameters.put("ssl_key_file", member.tls().keyFile());
            parameters.put("ssl_ca_file", member.tls().caFile());
        }
        parameters.put("logging_collector", "on");
        parameters.put("log_directory", "log");
        postgresql.put("parameters", parameters);
        doc.put("postgresql", postgresql);

        doc.put("watchdog", map("mode", "off"));
        return Yaml.dump(doc);
    }

    /**
     * The part of patroni.yml every member of the cluster shares: bootstrap (dcs and initdb), pg_hba and the
     * parameters tuned to the member size. For runtimes where something else supplies each member's own
     * settings (addresses, paths, DCS hosts). Both runtimes now render whole members with {@link #render}.
     * Returns a new map on every call, so callers may add to it.
     */
    public static Map<String, Object> clusterWide(ClusterSpec spec, TrustedNetworks trusted) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("bootstrap", bootstrap(spec.plan()));
        Map<String, Object> postgresql = new LinkedHashMap<>();
        postgresql.put("pg_hba", new ArrayList<>(pgHba(spec, trusted)));
        postgresql.put("parameters", PostgresParameters.asYamlMap(PostgresParameters.tuned(spec.memberResources())));
        doc.put("postgresql", postgresql);
        return doc;
    }

    static Map<String, Object> bootstrap(Plan plan) {
        return map(
                "dcs", bootstrapDcs(plan),
                // Checksums let pg_rewind (and us) trust the pages a former leader kept.
                "initdb", List.of(map("encoding", "UTF8"), map("locale", "C.UTF-8"), "data-checksums"));
    }

    /**
     * What goes to the DCS when the cluster is first bootstrapped: settings every member must share.
     * Patroni ignores these on later starts, so they must not depend on anything that changes per member.
     */
    static Map<String, Object> bootstrapDcs(Plan plan) {
        Map<String, Object> dcs = new LinkedHashMap<>();
        dcs.put("ttl", plan.timing().ttl());
        dcs.put("loop_wait", plan.timing().loopWait());
        dcs.put("retry_timeout", plan.timing().retryTimeout());
        dcs.put("maximum_lag_on_failover", MAXIMUM_LAG_ON_FAILOVER_BYTES);
        dcs.put("synchronous_mode", plan.synchronous());
        // While the DCS is unreachable a leader that can still reach every member over the REST API keeps
        // running as leader instead of demoting itself (an etcd hiccup is no outage). Patroni 3.0+.
        dcs.put("failsafe_mode", true);
        dcs.put("postgresql", map(
                "use_pg_rewind", true,
                "use_slots", true,
                "parameters", PostgresParameters.asYamlMap(PostgresParameters.clusterWide(plan))));
        return dcs;
    }

    /**
     * Every state-changing endpoint (/switchover, /failover, /restart, /reload, /config, ...) needs the REST API
     * password, and with an allowlist also comes only from the trusted networks or a member's address. Patroni
     * checks both only on those endpoints; the read-only ones (/cluster, /health, ...) stay open to probes.
     */
    static Map<String, Object> restApi(PatroniMember member, ClusterSecrets secrets, TrustedNetworks trusted) {
        Map<String, Object> restapi = map(
                "listen", member.listenHost() + ":" + member.restPort(),
                "connect_address", member.connectHost() + ":" + member.restPort(),
                "authentication", map("username", ClusterSecrets.REST_API_USER, "password", secrets.restApiPassword()));
        if (!trusted.isAnywhere()) {
            restapi.put("allowlist", trusted.cidrs());
            restapi.put("allowlist_include_members", true);
        }
        return restapi;
    }

    /**
     * How Patroni connects as {@code user} (to its own PostgreSQL, to the leader for replication and pg_rewind): with
     * TLS, verify-full against the database's CA, so it holds wherever the members are not on loopback.
     */
    static Map<String, Object> clientAuthentication(String user, String password, TlsFiles tls) {
        Map<String, Object> auth = map("username", user, "password", password);
        if (tls != null) {
            auth.put("sslmode", "verify-full");
            auth.put("sslrootcert", tls.caFile());
        }
        return auth;
    }

    static List<String> pgHba(ClusterSpec spec, TrustedNetworks trusted) {
        return pgHba(spec, trusted, false);
    }

    /**
     * First match wins. Replication and every role but the owner (the superuser, and any role the control plane
     * adds for itself) only from the trusted networks; the tenant's owner into its own database from anywhere;
     * everything else is rejected, in so many words rather than by falling off the end. With {@code tls}, each
     * accepting rule admits plaintext only from loopback and needs TLS from everywhere else (HbaRules); the rejects
     * stay {@code host}, which matches both.
     */
    static List<String> pgHba(ClusterSpec spec, TrustedNetworks trusted, boolean tls) {
        List<String> hba = new ArrayList<>();
        for (String cidr : trusted.cidrs()) {
            hba.addAll(HbaRules.lines("replication", ClusterSecrets.REPLICATION_USER, cidr, "scram-sha-256", tls));
        }
        // "all" below does not cover replication connections: they need a reject of their own.
        hba.add("host replication all all reject");
        // Validated names (lowercase letters, digits, hyphens), quoted because a hyphen needs it in pg_hba.
        hba.addAll(HbaRules.lines("\"" + spec.databaseName() + "\"", "\"" + spec.ownerUsername() + "\"", "all", "scram-sha-256", tls));
        for (String cidr : trusted.cidrs()) {
            hba.addAll(HbaRules.lines("all", "all", cidr, "scram-sha-256", tls));
        }
        hba.add("host all all all reject");
        return List.copyOf(hba);
    }

    static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
