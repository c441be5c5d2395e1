package dev.pgfleet.blueprint;

import java.util.List;

/**
 * The read-only endpoint of a database with replicas: a second PgBouncer whose server connections go through a
 * TCP proxy (HAProxy locally, a Service whose Endpoints the control plane writes on Kubernetes) to the running
 * replicas within {@link #LAG_BOUND_BYTES} of the leader, round-robin, and to the leader only when no replica
 * qualifies. Pure: renders the read-only PgBouncer's ini and HAProxy's configuration.
 */
public final class ReadOnlyEndpoint {
    /**
     * A replica more than this many bytes of WAL behind the leader (not yet replayed) leaves the rotation. Bytes,
     * because that is what Patroni's {@code GET /replica?lag=} and {@code /cluster} speak; 16 MiB is one WAL
     * segment: behind by seconds of heavy writing, never by the minutes an unhealthy replica falls behind.
     */
    public static final long LAG_BOUND_BYTES = 16L << 20;

    /**
     * Run on every new server connection and again after every transaction (server_reset_query_always): on the
     * leader fallback writes fail with SQLSTATE 25006 like on a replica, and a session's {@code SET
     * default_transaction_read_only = off} cannot outlive the transaction that ran it, whichever client is next.
     */
    static final String READ_ONLY_SETTING = "SET default_transaction_read_only = on";

    /** A read-only server connection is closed (once idle) after this long, so routing changes reach every one of them. */
    public static final int SERVER_LIFETIME_SECONDS = 60;

    private ReadOnlyEndpoint() {
    }

    /** Only a plan with replicas has a read-only endpoint (on {@code dev} it would be the leader under another name). */
    public static boolean offeredFor(Plan plan) {
        return plan.members() > 1;
    }

    /**
     * The read-only PgBouncer: the main pooler's ini (one renderer for both, so both get the same sizing and TLS)
     * pointed at the proxy, with the read-only setting forced on every server connection.
     */
    public static String renderPoolerIni(ClusterSpec spec, PoolerSettings settings, String proxyHost, int proxyPort) {
        String ini = PgBouncerConfig.renderIni(spec, settings, proxyHost, proxyPort);
        String entry = Names.requireValid(spec.databaseName()) + " = host=";
        int at = ini.indexOf("\n" + entry);
        int end = ini.indexOf('\n', at + 1);
        if (at < 0 || end < 0 || !ini.substring(end).contains("\n[pgbouncer]\n")) {
            throw new IllegalStateException("pgbouncer.ini has no [databases] entry for " + spec.databaseName());
        }
        StringBuilder out = new StringBuilder(ini.length() + 256);
        out.append(ini, 0, end)
                .append(" connect_query='").append(READ_ONLY_SETTING.replace("'", "''")).append('\'')
                .append(ini, end, ini.length());
        out.append("; Read-only endpoint: reset after every transaction, so no session SET outlives it.\n");
        out.append("server_reset_query = ").append(READ_ONLY_SETTING).append('\n');
        out.append("server_reset_query_always = 1\n");
        // Where nothing cuts a server connection to a member that left the rotation (a Kubernetes Service), this bounds
        // how long it keeps serving reads.
        out.append("server_lifetime = ").append(SERVER_LIFETIME_SECONDS).append('\n');
        return out.toString();
    }

    /** One member as the proxy reaches it: PostgreSQL's port and Patroni's REST port (the health checks). */
    public record ProxyMember(String name, String host, int pgPort, int restPort) {
    }

    /**
     * HAProxy (TCP mode, so PostgreSQL's TLS passes through untouched) in front of the members. Backend {@code replicas}:
     * each member checked with Patroni's {@code GET /replica?lag=}{@link #LAG_BOUND_BYTES} (200 only for a running
     * replica within the bound), plus each member again as a backup server that tracks a check of {@code GET /primary}
     * in backend {@code leader}, never used for traffic itself: the leader fallback, used only while no replica passes.
     * A server that fails its check has its sessions shut (a promoted replica, a demoted leader, a lagging replica);
     * a replica coming back shuts the fallback's sessions, so PgBouncer reconnects to the replicas. No stats socket or
     * page: nothing to reach but the proxied port.
     */
    public static String renderProxyConfig(ClusterSpec spec, String listenHost, int listenPort, List<ProxyMember> members,
                                           int maxConnections) {
        StringBuilder cfg = new StringBuilder();
        cfg.append("# Rendered by pgfleet for database ").append(Names.requireValid(spec.databaseName()))
                .append(" (read-only endpoint). Do not edit: pgfleet rewrites it.\n");
        cfg.append("global\n");
        cfg.append("    maxconn ").append(maxConnections).append('\n');
        cfg.append("defaults\n");
        cfg.append("    mode tcp\n");
        cfg.append("    timeout connect 2s\n");
        // PgBouncer keeps server connections idle for minutes and long queries are silent: no short idle timeout.
        cfg.append("    timeout client 1h\n");
        cfg.append("    timeout server 1h\n");
        cfg.append("    timeout check 1s\n");
        cfg.append("    default-server inter 1s fastinter 500ms downinter 1s rise 1 fall 2 on-marked-down shutdown-sessions\n");
        cfg.append("frontend read_only\n");
        cfg.append("    bind ").append(listenHost).append(':').append(listenPort).append('\n');
        cfg.append("    default_backend replicas\n");
        cfg.append("backend replicas\n");
        cfg.append("    balance roundrobin\n");
        cfg.append("    option httpchk GET /replica?lag=").append(LAG_BOUND_BYTES).append('\n');
        cfg.append("    http-check expect status 200\n");
        for (ProxyMember m : members) {
            cfg.append("    server ").append(Names.requireValid(m.name())).append(' ').append(m.host()).append(':').append(m.pgPort())
                    .append(" check port ").append(m.restPort()).append(" on-marked-up shutdown-backup-sessions\n");
        }
        for (ProxyMember m : members) {
            cfg.append("    server ").append(m.name()).append("-leader ").append(m.host()).append(':').append(m.pgPort())
                    .append(" backup track leader/").append(m.name()).append('\n');
        }
        cfg.append("backend leader\n");
        cfg.append("    option httpchk GET /primary\n");
        cfg.append("    http-check expect status 200\n");
        for (ProxyMember m : members) {
            cfg.append("    server ").append(m.name()).append(' ').append(m.host()).append(':').append(m.pgPort())
                    .append(" check port ").append(m.restPort()).append('\n');
        }
        return cfg.toString();
    }
}
