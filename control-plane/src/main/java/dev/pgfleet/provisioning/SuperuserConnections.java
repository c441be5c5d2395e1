package dev.pgfleet.provisioning;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.database.RuntimeInfo;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/** JDBC connections as a cluster's superuser, straight to one member (not through the pooler). */
public final class SuperuserConnections {
    private SuperuserConnections() {
    }

    /**
     * Opens a connection (I/O). {@code application} names the caller in pg_stat_activity; statements that run
     * longer than {@code socketTimeout} fail instead of hanging the caller (zero: no limit, for dumps).
     */
    public static Connection open(RuntimeInfo.Endpoint member, String database, String superuserPassword, String application,
                                  Duration socketTimeout) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", ClusterSecrets.SUPERUSER);
        props.setProperty("password", superuserPassword);
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", Long.toString(socketTimeout.toSeconds()));
        props.setProperty("ApplicationName", application);
        return DriverManager.getConnection("jdbc:postgresql://" + member.host() + ":" + member.port() + "/" + database, props);
    }
}
