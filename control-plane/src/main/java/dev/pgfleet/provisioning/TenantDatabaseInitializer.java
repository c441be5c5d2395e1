package dev.pgfleet.provisioning;

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
 * Creates the tenant's database, its owner role (with the SCRAM verifier of the generated password, so
 * the password itself never travels or lands in a log) and the vector extension, on the leader.
 * Idempotent: each step checks first.
 */
@Component
class TenantDatabaseInitializer {

    /** Connects as the superuser to the leader and makes sure everything exists. */
    void ensureOnLeader(RuntimeInfo.Endpoint leader, DesiredCluster desired) throws SQLException {
        String owner = desired.spec().ownerUsername();
        String database = desired.spec().databaseName();
        try (Connection c = connect(leader, "postgres", desired); Statement s = c.createStatement()) {
            String roleDdl = exists(c, "select 1 from pg_roles where rolname = ?", owner) ? "ALTER ROLE " : "CREATE ROLE ";
            s.execute(roleDdl + Names.quoteIdentifier(owner) + " LOGIN PASSWORD " + Names.quoteLiteral(desired.ownerScramVerifier()));
            if (!exists(c, "select 1 from pg_database where datname = ?", database)) {
                s.execute("CREATE DATABASE " + Names.quoteIdentifier(database) + " OWNER " + Names.quoteIdentifier(owner));
            }
            // Only the owner (and superusers) may connect to a tenant's database.
            s.execute("REVOKE CONNECT, TEMPORARY ON DATABASE " + Names.quoteIdentifier(database) + " FROM PUBLIC");
        }
        try (Connection c = connect(leader, database, desired); Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS vector");
        }
    }

    private static boolean exists(Connection c, String sql, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static Connection connect(RuntimeInfo.Endpoint leader, String database, DesiredCluster desired) throws SQLException {
        return SuperuserConnections.open(leader, database, desired.secrets().superuserPassword(), "pgfleet-control-plane",
                Duration.ofSeconds(60));
    }
}
