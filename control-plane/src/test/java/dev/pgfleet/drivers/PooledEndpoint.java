package dev.pgfleet.drivers;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * A database's pooled endpoint as the drivers get it: the {@code poolerUri} of {@code GET …/credentials}, handed to
 * libpq-style drivers as is, plus {@code sslrootcert=<file>} when the control plane gives out a CA certificate; pgjdbc
 * gets {@code jdbc:} and the same host, port, database and parameters, with the user and password as properties
 * (pgjdbc reads no user information from the URL).
 */
record PooledEndpoint(String uri) {
    static PooledEndpoint of(String poolerUri, Path caCertificate) {
        if (caCertificate == null) {
            return new PooledEndpoint(poolerUri);
        }
        String file = caCertificate.toAbsolutePath().toString();
        if (!file.matches("[A-Za-z0-9/._-]+")) { // nothing a URI would need to escape, so every driver reads it alike
            throw new IllegalArgumentException("not a plain path: " + file);
        }
        String separator = URI.create(poolerUri).getRawQuery() == null ? "?" : "&";
        return new PooledEndpoint(poolerUri + separator + "sslrootcert=" + file);
    }

    /** What a script reads its connection from: {@code DATABASE_URL}, the URI. */
    java.util.Map<String, String> environment() {
        return java.util.Map.of("DATABASE_URL", uri);
    }

    /** The URI without its password, for psql's command line ({@link #passwordEnvironment} carries the password). */
    String uriWithoutPassword() {
        URI u = URI.create(uri);
        String user = u.getRawUserInfo().split(":", 2)[0];
        return u.getScheme() + "://" + user + "@" + u.getRawAuthority().substring(u.getRawAuthority().indexOf('@') + 1)
                + u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }

    /** libpq's {@code PGPASSWORD}: the password of the URI. */
    java.util.Map<String, String> passwordEnvironment() {
        String[] userInfo = URI.create(uri).getRawUserInfo().split(":", 2);
        return java.util.Map.of("PGPASSWORD", URLDecoder.decode(userInfo[1], StandardCharsets.UTF_8));
    }

    Connection connectJdbc() throws SQLException {
        // [connect]
        URI u = URI.create(uri); // the poolerUri from GET /api/v1/databases/{id}/credentials, with sslrootcert=ca.crt
        // pgjdbc takes the same host, port, database and parameters (sslmode, sslrootcert), but no user information:
        // user and password go in as properties. Default settings otherwise: prepareThreshold stays 5.
        String[] userInfo = u.getRawUserInfo().split(":", 2);
        Properties p = new Properties();
        p.setProperty("user", URLDecoder.decode(userInfo[0], StandardCharsets.UTF_8));
        p.setProperty("password", URLDecoder.decode(userInfo[1], StandardCharsets.UTF_8));
        String url = "jdbc:postgresql://" + u.getHost() + ":" + u.getPort() + u.getRawPath()
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        Connection c = DriverManager.getConnection(url, p);
        // [/connect]
        return c;
    }
}
