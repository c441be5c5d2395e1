package dev.pgfleet.database;

import dev.pgfleet.blueprint.PgBouncerConfig;
import dev.pgfleet.blueprint.ReadOnlyEndpoint;
import dev.pgfleet.tls.InstallationCa;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/** Turns a database into what the API shows: no passwords, except in {@link #credentials}. */
@Component
class DatabaseViews {
    static final String TARGET_SESSION_ATTRS = "read-write";
    /**
     * Every connection string asks for TLS and checks the endpoint's certificate and name against the database's CA
     * (GET …/ca.crt; libpq and pgjdbc read it from ~/.postgresql/root.crt unless sslrootcert says otherwise).
     */
    static final String SSL_MODE = "verify-full";

    private final RuntimeInfo runtime;
    private final DatabaseEvents events;
    private final InstallationCa ca;

    DatabaseViews(RuntimeInfo runtime, DatabaseEvents events, InstallationCa ca) {
        this.runtime = runtime;
        this.events = events;
        this.ca = ca;
    }

    /**
     * The CA certificate (PEM) that the database's endpoints chain to: the one stored with its certificate, or before
     * it has one, the installation's CA that will issue it (I/O: the metadata store, on first use).
     */
    String caCertificatePem(Database d) {
        return d.getTlsCaCertificatePem() != null ? d.getTlsCaCertificatePem() : ca.fetchCertificatePem();
    }

    DatabaseView view(Database d, boolean withEvents) {
        List<MemberView> members = d.getMembers().stream().map(m -> {
            RuntimeInfo.Endpoint e = runtime.memberEndpoint(d, m);
            return new MemberView(m.getName(), m.getRole(), m.getState(), e.host(), e.port(), m.getLagBytes());
        }).toList();
        List<EventView> eventViews = withEvents
                ? events.recent(d.getId()).stream().map(e -> new EventView(e.getAt(), e.getLevel(), e.getReason(), e.getMessage())).toList()
                : null;
        return new DatabaseView(d.getId(), d.getName(), d.getPlan(), d.getPostgresVersion(), d.getStatus(), d.getStatusReason(),
                d.getStatusChangedAt(), d.getCreatedAt(), d.getLastVerifiedBackupAt(), members, connection(d), eventViews);
    }

    ConnectionView connection(Database d) {
        if (d.getPoolerPort() == null) {
            return null;
        }
        RuntimeInfo.Endpoint pooler = runtime.poolerEndpoint(d);
        List<HostPort> hosts = d.getMembers().stream()
                .map(m -> runtime.memberEndpoint(d, m))
                .map(e -> new HostPort(e.host(), e.port())).toList();
        String user = d.getName();
        return new ConnectionView(
                new PoolerView(pooler.host(), pooler.port(), d.getName(), user, PgBouncerConfig.POOL_MODE),
                new DirectView(hosts, d.getName(), user, TARGET_SESSION_ATTRS, directUri(d, user, null, hosts)),
                runtime.readOnlyEndpoint(d).map(e -> readOnly(d, e)).orElse(null),
                SSL_MODE, "/api/v1/databases/" + d.getId() + "/ca.crt");
    }

    /**
     * The read-only endpoint as of the last observation: a replica is in rotation when Patroni reports it running
     * within {@link ReadOnlyEndpoint#LAG_BOUND_BYTES} of replay lag, the rule the runtimes route by.
     */
    private static ReadOnlyView readOnly(Database d, RuntimeInfo.Endpoint e) {
        List<ReplicaView> replicas = d.getMembers().stream().filter(m -> m.getRole() != null && !"leader".equals(m.getRole()))
                .map(m -> new ReplicaView(m.getName(), m.getLagBytes(), inRotation(m))).toList();
        return new ReadOnlyView(e.host(), e.port(), d.getName(), d.getName(), PgBouncerConfig.POOL_MODE,
                ReadOnlyEndpoint.LAG_BOUND_BYTES, replicas, replicas.stream().noneMatch(ReplicaView::inRotation));
    }

    private static boolean inRotation(DatabaseMember m) {
        return ("running".equals(m.getState()) || "streaming".equals(m.getState()))
                && m.getLagBytes() != null && m.getLagBytes() <= ReadOnlyEndpoint.LAG_BOUND_BYTES;
    }

    CredentialsView credentials(Database d, String password) {
        ConnectionView c = connection(d);
        if (c == null) {
            return new CredentialsView(d.getName(), password, null, null, null);
        }
        String user = d.getName();
        String poolerUri = pooledUri(d, user, password, c.pooler().host(), c.pooler().port());
        String readOnlyUri = c.readOnly() == null ? null : pooledUri(d, user, password, c.readOnly().host(), c.readOnly().port());
        return new CredentialsView(user, password, poolerUri, directUri(d, user, password, c.direct().hosts()), readOnlyUri);
    }

    /** A URI through one of the database's poolers (the main one, the read-only one): one shape for both. */
    private static String pooledUri(Database d, String user, String password, String host, int port) {
        return "postgresql://" + enc(user) + ":" + enc(password) + "@" + host + ":" + port + "/" + enc(d.getName())
                + "?sslmode=" + SSL_MODE;
    }

    private static String directUri(Database d, String user, String password, List<HostPort> hosts) {
        String auth = password == null ? enc(user) : enc(user) + ":" + enc(password);
        String hostList = hosts.stream().map(h -> h.host() + ":" + h.port()).collect(Collectors.joining(","));
        return "postgresql://" + auth + "@" + hostList + "/" + enc(d.getName()) + "?target_session_attrs=" + TARGET_SESSION_ATTRS
                + "&sslmode=" + SSL_MODE;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    record DatabaseView(UUID id, String name, String plan, int postgresVersion, DatabaseStatus status, String statusReason,
                        Instant statusChangedAt, Instant createdAt, Instant lastVerifiedBackupAt, List<MemberView> members,
                        ConnectionView connection,
                        List<EventView> events) {
    }

    record MemberView(String name, String role, String state, String host, int port, Long lagBytes) {
    }

    /**
     * @param readOnly         null when the database has no read-only endpoint (dev plans)
     * @param sslMode          what every connection string asks for: {@code verify-full}
     * @param caCertificateUrl where the CA certificate to verify the endpoints with is (GET, PEM)
     */
    record ConnectionView(PoolerView pooler, DirectView direct, ReadOnlyView readOnly, String sslMode,
                          String caCertificateUrl) {
    }

    /**
     * @param lagBoundBytes  a replica lagging more than this (WAL not yet replayed) leaves the rotation
     * @param replicas       each replica with its lag and whether read-only transactions go to it
     * @param leaderFallback no replica is in rotation: read-only transactions go to the leader (still read-only)
     */
    record ReadOnlyView(String host, int port, String database, String username, String poolMode, long lagBoundBytes,
                        List<ReplicaView> replicas, boolean leaderFallback) {
    }

    record ReplicaView(String name, Long lagBytes, boolean inRotation) {
    }

    record PoolerView(String host, int port, String database, String username, String poolMode) {
    }

    record DirectView(List<HostPort> hosts, String database, String username, String targetSessionAttrs, String uri) {
    }

    record HostPort(String host, int port) {
    }

    record EventView(Instant at, String level, String reason, String message) {
    }

    /** The only response that carries a password. */
    /** @param readOnlyUri through the read-only endpoint; null when the database has none (dev plans) */
    record CredentialsView(String username, String password, String poolerUri, String directUri, String readOnlyUri) {
        @Override
        public String toString() {
            return "CredentialsView[" + username + ", redacted]";
        }
    }
}
