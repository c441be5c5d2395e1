package dev.pgfleet.provisioning.local;

import dev.pgfleet.problem.Unavailable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Hands out ports for data-plane processes from the local range. A port is leased in the metadata store
 * (its primary key keeps two databases off one port; deleting the database releases it) and is handed out
 * only if nothing else on the machine listens on it right now.
 */
class PortLeases {
    private static final long LEASE_LOCK = 0x7067666c65657431L; // "pgfleet1"
    private final JdbcTemplate jdbc;
    private final String listenAddress;
    private final int first;
    private final int last;

    PortLeases(JdbcTemplate jdbc, String listenAddress, int first, int last) {
        this.jdbc = jdbc;
        this.listenAddress = listenAddress;
        this.first = first;
        this.last = last;
    }

    /** Leases {@code count} free ports for a database; must run inside the creating transaction. */
    List<Integer> lease(UUID databaseId, int count, String purpose) {
        // Serialises concurrent creations (also across control planes sharing a metadata database) until
        // commit, so two of them never pick the same free ports.
        jdbc.queryForObject("select pg_advisory_xact_lock(?)", Object.class, LEASE_LOCK);
        Set<Integer> taken = new HashSet<>(jdbc.queryForList("select port from port_leases", Integer.class));
        List<Integer> ports = new ArrayList<>();
        for (int port = first; port <= last && ports.size() < count; port++) {
            if (!taken.contains(port) && bindable(port)) {
                ports.add(port);
            }
        }
        if (ports.size() < count) {
            throw new Unavailable("No capacity",
                    "This pgfleet has no free ports left for another database (range " + first + "-" + last
                            + "); nothing was created. The operator can widen pgfleet.local.port-range-*.");
        }
        for (int port : ports) {
            jdbc.update("insert into port_leases (port, database_id, purpose) values (?, ?, ?)", port, databaseId, purpose);
        }
        return ports;
    }

    private boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getByName(listenAddress), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
