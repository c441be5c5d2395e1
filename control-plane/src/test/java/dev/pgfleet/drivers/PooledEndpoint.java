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

    String jdbcUrl() {
        URI u = URI.create(uri);
        return "jdbc:postgresql://" + u.getHost() + ":" + u.getPort() + u.getRawPath()
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }

    Connection connectJdbc() throws SQLException {
        String[] userInfo = URI.create(uri).getRawUserInfo().split(":", 2);
        Properties p = new Properties();
        p.setProperty("user", URLDecoder.decode(userInfo[0], StandardCharsets.UTF_8));
        p.setProperty("password", URLDecoder.decode(userInfo[1], StandardCharsets.UTF_8));
        return DriverManager.getConnection(jdbcUrl(), p);
    }
}
