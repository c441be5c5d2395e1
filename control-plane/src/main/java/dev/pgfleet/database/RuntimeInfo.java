package dev.pgfleet.database;

import java.util.List;
import java.util.Optional;

/**
 * What the database API needs to know from the active runtime: which PostgreSQL versions it can run,
 * where a database can be reached, and the placement (ports) a new database gets. Implemented by the
 * provisioning package, so the API does not depend on a particular runtime.
 */
public interface RuntimeInfo {
    List<Integer> supportedPostgresVersions();

    Optional<Integer> defaultPostgresVersion();

    /** Why a version cannot be used (installed without pgvector, say); empty when it can. */
    Optional<String> problemWithVersion(int version);

    /** Gives a freshly stored database its pooler and member endpoints (inside the creating transaction). */
    void place(Database database, List<String> memberNames);

    Endpoint poolerEndpoint(Database database);

    /** The read-only pooler of a database with replicas; empty when it has none. */
    default Optional<Endpoint> readOnlyEndpoint(Database database) {
        return Optional.empty();
    }

    Endpoint memberEndpoint(Database database, DatabaseMember member);

    record Endpoint(String host, int port) {
    }
}
