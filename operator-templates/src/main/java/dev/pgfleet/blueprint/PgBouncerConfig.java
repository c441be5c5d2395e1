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
        if (settings.tls() == null) {
            line(ini, "auth_type", "scram-sha-256");
        } else {
            // hba: SCRAM for everyone, but plaintext only from loopback (renderHba).
            line(ini, "auth_type", "hba");
            line(ini, "auth_hba_file", hbaFile(settings));
        }
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
        if (settings.tls() != null) {
            // Clients: TLS offered to all, required by the hba file from anywhere but loopback. RELOAD re-reads the files.
            line(ini, "client_tls_sslmode", "prefer");
            line(ini, "client_tls_cert_file", settings.tls().certificateFile());
            line(ini, "client_tls_key_file", settings.tls().keyFile());
            line(ini, "client_tls_ca_file", settings.tls().caFile());
            // Servers: always TLS, and the member must present a certificate of the CA for the host named above.
            line(ini, "server_tls_sslmode", "verify-full");
            line(ini, "server_tls_ca_file", settings.tls().caFile());
        }
        line(ini, "logfile", settings.logFile());
        line(ini, "log_connections", 0);
        line(ini, "log_disconnections", 0);
        return ini.toString();
    }

    /** Where PgBouncer reads its hba rules (with TLS): next to the auth file, so a runtime ships both together. */
    public static String hbaFile(PoolerSettings settings) {
        String auth = settings.authFile();
        int slash = auth.lastIndexOf('/');
        return (slash < 0 ? "" : auth.substring(0, slash + 1)) + "pgbouncer_hba.conf";
    }

    /**
     * PgBouncer's hba file (auth_type = hba): SCRAM-SHA-256 for every user and database, over plaintext only from
     * loopback, over TLS from everywhere else; an address no line matches is refused.
     */
    public static String renderHba() {
        StringBuilder out = new StringBuilder("# Rendered by pgfleet. Plaintext only from loopback; TLS from everywhere else.\n");
        for (String line : HbaRules.lines("all", "all", "all", "scram-sha-256", true)) {
            out.append(line).append('\n');
        }
        return out.toString();
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
