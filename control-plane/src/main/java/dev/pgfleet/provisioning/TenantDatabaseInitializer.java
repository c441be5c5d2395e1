package dev.pgfleet.provisioning;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.Names;
import dev.pgfleet.database.RuntimeInfo;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * The only superuser work pgfleet does in a tenant's cluster after the cluster itself exists (I/O, on the leader):
 * <ul>
 *   <li>{@link #ensureRolesOnLeader}: the owner role (with the SCRAM verifier of the generated password, so the
 *   password itself never travels or lands in a log), the database, and the control plane's monitoring role
 *   {@value #MONITOR_ROLE}. Runs in the maintenance database {@code postgres}, which tenants cannot connect to
 *   (CONNECT is revoked from PUBLIC), so no tenant object is ever in reach of this session.</li>
 *   <li>{@link #createExtensionOnLeader}: {@code CREATE EXTENSION vector} inside the tenant's database, run once,
 *   before the tenant has ever connected: the owner role is NOLOGIN until {@link #allowOwnerLogin} after it, so
 *   no tenant object can exist yet for the extension's script to meet.</li>
 * </ul>
 * Every other control-plane session in a tenant database uses {@value #MONITOR_ROLE} or the owner role, with a pinned
 * search_path (see {@link DatabaseSessions}). Each step checks first, so a pass interrupted half-way can re-run.
 */
@Component
class TenantDatabaseInitializer {
    /** The monitoring role: pg_monitor (statistics, sizes), CONNECT to the tenant database, nothing else. */
    static final String MONITOR_ROLE = "pgfleet_monitor";

    /**
     * Owner, database and monitoring role, from the maintenance database. Idempotent. While the database is being
     * created ({@code ownerMayLogIn} false) the owner cannot log in, so nothing of the tenant's exists when the
     * superuser creates the extension; {@link #allowOwnerLogin} follows.
     */
    void ensureRolesOnLeader(RuntimeInfo.Endpoint leader, DesiredCluster desired, String monitorPassword, boolean ownerMayLogIn)
            throws SQLException {
        String owner = desired.spec().ownerUsername();
        String database = desired.spec().databaseName();
        try (Connection c = connect(leader, "postgres", desired); Statement s = c.createStatement()) {
            String roleDdl = exists(c, "select 1 from pg_catalog.pg_roles where rolname = $1", owner) ? "ALTER ROLE " : "CREATE ROLE ";
            s.execute(roleDdl + Names.quoteIdentifier(owner) + (ownerMayLogIn ? " LOGIN" : " NOLOGIN") + " NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
                    + " PASSWORD " + Names.quoteLiteral(desired.ownerScramVerifier()));
            if (!exists(c, "select 1 from pg_catalog.pg_database where datname = $1", database)) {
                s.execute("CREATE DATABASE " + Names.quoteIdentifier(database) + " OWNER " + Names.quoteIdentifier(owner));
            }
            // Only the owner, the monitoring role (and superusers) may connect to a tenant's database; nobody but
            // superusers to the maintenance databases, where the control plane's superuser sessions run.
            s.execute("REVOKE CONNECT, TEMPORARY ON DATABASE " + Names.quoteIdentifier(database) + " FROM PUBLIC");
            s.execute("REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC");
            s.execute("REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC");
            String monitorDdl = exists(c, "select 1 from pg_catalog.pg_roles where rolname = $1", MONITOR_ROLE)
                    ? "ALTER ROLE " : "CREATE ROLE ";
            s.execute(monitorDdl + MONITOR_ROLE + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
                    + " CONNECTION LIMIT 5 PASSWORD " + Names.quoteLiteral(monitorPassword));
            s.execute("GRANT pg_monitor TO " + MONITOR_ROLE);
            s.execute("GRANT CONNECT ON DATABASE " + Names.quoteIdentifier(database) + " TO " + MONITOR_ROLE);
        }
    }

    /** The vector extension in the tenant's database: once, before the tenant can connect. */
    void createExtensionOnLeader(RuntimeInfo.Endpoint leader, DesiredCluster desired) throws SQLException {
        try (Connection c = connect(leader, desired.spec().databaseName(), desired); Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public");
        }
    }

    /** The last step of creating a database: the owner may log in from now on. */
    void allowOwnerLogin(RuntimeInfo.Endpoint leader, DesiredCluster desired) throws SQLException {
        try (Connection c = connect(leader, "postgres", desired); Statement s = c.createStatement()) {
            s.execute("ALTER ROLE " + Names.quoteIdentifier(desired.spec().ownerUsername()) + " LOGIN");
        }
    }

    private static boolean exists(Connection c, String sql, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.replace("$1", "?"))) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static Connection connect(RuntimeInfo.Endpoint leader, String database, DesiredCluster desired) throws SQLException {
        return DatabaseSessions.open(leader, database, ClusterSecrets.SUPERUSER, desired.secrets().superuserPassword(),
                "pgfleet-control-plane", Duration.ofSeconds(60));
    }
}
