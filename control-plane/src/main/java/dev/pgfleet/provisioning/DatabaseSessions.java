package dev.pgfleet.provisioning;

import dev.pgfleet.database.RuntimeInfo;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * Every JDBC session the control plane opens in a database it does not control (a tenant's database, a scratch
 * restore of a tenant's dump). Tenants own their database and may create functions and operators of any name in
 * it, so every session pins {@code search_path} to {@value #PINNED_SEARCH_PATH} in the startup packet: it holds
 * from the first statement, a tenant's {@code ALTER ROLE/DATABASE ... SET search_path} cannot override it (startup
 * options win), and pg_temp is never searched for functions or operators. Our queries then resolve every function
 * and operator in pg_catalog, never to a tenant's look-alike in public. Which role a session uses is the caller's
 * choice and never the superuser once a database has been created: see docs/security.md.
 */
public final class DatabaseSessions {
    public static final String PINNED_SEARCH_PATH = "pg_catalog, pg_temp";
    /** The longest any of our statements waits for a lock a tenant holds (an open {@code LOCK TABLE}): then it fails. */
    public static final String LOCK_TIMEOUT = "120s";
    /**
     * libpq's and pgjdbc's form of the pinned search_path, for PGOPTIONS and the {@code options} property, with
     * {@link #LOCK_TIMEOUT}: a tenant holding a lock makes our work fail after a while, never wait for ever.
     */
    public static final String PINNED_OPTIONS = "-c search_path=pg_catalog,pg_temp -c lock_timeout=" + LOCK_TIMEOUT;

    private DatabaseSessions() {
    }

    /**
     * The environment that makes a libpq client (pg_dump, pg_restore) connect to the address this JVM resolves
     * {@code host} to: {@code PGHOSTADDR}, with the host name kept for libpq's messages and password lookup. The
     * JDBC session and the client program then reach the same server by the same resolver (in a pod both would
     * ask the cluster DNS; a control plane outside the cluster resolves Service names only through the JVM, e.g.
     * {@code -Djdk.net.hosts.file}). Empty for an address literal, or when the name does not resolve (libpq then
     * tries itself and reports its own error). I/O: a name lookup.
     */
    public static java.util.List<String> hostAddressEnvironment(String host) {
        if (host == null || host.isEmpty() || host.startsWith("/") || isAddressLiteral(host)) {
            return java.util.List.of();
        }
        try {
            return java.util.List.of("PGHOSTADDR", java.net.InetAddress.getByName(host).getHostAddress());
        } catch (java.net.UnknownHostException e) {
            return java.util.List.of();
        }
    }

    private static boolean isAddressLiteral(String host) {
        return host.matches("[0-9.]+") || host.contains(":");
    }

    /**
     * Opens a session (I/O). {@code application} names the caller in pg_stat_activity; statements that run
     * longer than {@code socketTimeout} fail instead of hanging the caller (zero: no limit, for dumps).
     */
    public static Connection open(RuntimeInfo.Endpoint endpoint, String database, String user, String password,
                                  String application, Duration socketTimeout) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("options", PINNED_OPTIONS);
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", Long.toString(socketTimeout.toSeconds()));
        props.setProperty("ApplicationName", application);
        // A database name is validated at the edge; the URL still must not be able to carry parameters.
        if (!database.matches("[a-z][a-z0-9_-]*")) {
            throw new SQLException("not a database name pgfleet creates: " + database);
        }
        return DriverManager.getConnection("jdbc:postgresql://" + endpoint.host() + ":" + endpoint.port() + "/" + database, props);
    }
}
