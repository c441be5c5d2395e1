package dev.pgfleet.blueprint;

import java.util.List;

/**
 * Builds pgbouncer.ini and its auth file. The pooler runs in transaction mode in front of the current
 * leader; the runtime re-renders the file with the new leader's address and reloads PgBouncer.
 */
public final class PgBouncerConfig {
    public static final String POOL_MODE = "transaction";

    private PgBouncerConfig() {
    }

    public static String renderIni(ClusterSpec spec, PoolerSettings settings, String backendHost, int backendPort) {
        PoolerSizing sizing = PoolerSizing.forResources(spec.memberResources());
        String db = spec.databaseName();
        StringBuilder ini = new StringBuilder();
        ini.append("; Rendered by pgfleet for database ").append(db).append(". Do not edit: pgfleet rewrites it.\n");
        ini.append("[databases]\n");
        // Validated names ([a-z0-9-]) are written bare as keys, which every PgBouncer release accepts.
        ini.append(Names.requireValid(db))
                .append(" = host=").append(backendHost)
                .append(" port=").append(backendPort)
                .append(" dbname=").append(quoteValue(db))
                .append('\n');
        ini.append('\n');
        ini.append("[pgbouncer]\n");
        line(ini, "listen_addr", settings.listenHost());
        line(ini, "listen_port", settings.listenPort());
        // TCP only: no socket files to collide between poolers sharing a machine.
        line(ini, "unix_socket_dir", "");
        line(ini, "auth_type", "scram-sha-256");
        line(ini, "auth_file", settings.authFile());
        line(ini, "admin_users", settings.adminUser());
        line(ini, "pool_mode", POOL_MODE);
        line(ini, "default_pool_size", sizing.defaultPoolSize());
        line(ini, "reserve_pool_size", sizing.reservePoolSize());
        line(ini, "reserve_pool_timeout", 3);
        // A hard cap: whatever the clients do, the primary never sees more pooled connections than this.
        line(ini, "max_db_connections", sizing.maxServerConnections());
        line(ini, "max_client_conn", sizing.maxClientConn());
        // Protocol-level prepared statements survive transaction pooling: PgBouncer (>= 1.21) prepares a client's
        // statement on whichever server connection runs it, so drivers need no prepareThreshold=0 (PoolerSizing).
        line(ini, "max_prepared_statements", sizing.maxPreparedStatements());
        // After a failover the old address refuses connections; retry the (new) backend quickly.
        line(ini, "server_login_retry", 1);
        line(ini, "server_connect_timeout", 5);
        line(ini, "query_wait_timeout", 120);
        // JDBC drivers send extra_float_digits at startup; PgBouncer would refuse the connection otherwise.
        line(ini, "ignore_startup_parameters", "extra_float_digits");
        line(ini, "logfile", settings.logFile());
        line(ini, "log_connections", 0);
        line(ini, "log_disconnections", 0);
        return ini.toString();
    }

    /** One line per user: name and SCRAM verifier, so no plain-text password is written to disk. */
    public static String renderAuthFile(List<UserSecret> users) {
        StringBuilder out = new StringBuilder();
        for (UserSecret user : users) {
            out.append('"').append(user.username().replace("\"", "\"\"")).append("\" \"")
                    .append(user.scramVerifier()).append("\"\n");
        }
        return out.toString();
    }

    /** A user PgBouncer accepts, with its SCRAM-SHA-256 verifier. */
    public record UserSecret(String username, String scramVerifier) {
    }

    private static String quoteValue(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static void line(StringBuilder ini, String key, Object value) {
        ini.append(key).append(" = ").append(value).append('\n');
    }
}
