package dev.pgfleet.provisioning;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.TlsMaterial;
import java.util.List;
import java.util.UUID;

/**
 * Everything a runtime needs to converge one database, decrypted and resolved from the metadata store.
 * Holds secrets: never log it (toString is redacted).
 *
 * @param tls      the database's current TLS identity (certificate and key for its endpoints); null only before it has
 *                 one, i.e. in a desired cluster built without the CA
 * @param readOnly the ports of its read-only endpoint; null when it has none (dev plans, databases placed before it)
 */
public record DesiredCluster(UUID id, ClusterSpec spec, ClusterSecrets secrets, String ownerPassword,
                             String ownerScramVerifier, String poolerAdminPassword, String poolerAdminScramVerifier,
                             List<MemberSlot> members, int poolerPort, TlsMaterial tls, ReadOnlyPorts readOnly) {

    /** A cluster without a read-only endpoint. */
    public DesiredCluster(UUID id, ClusterSpec spec, ClusterSecrets secrets, String ownerPassword, String ownerScramVerifier,
                          String poolerAdminPassword, String poolerAdminScramVerifier, List<MemberSlot> members, int poolerPort,
                          TlsMaterial tls) {
        this(id, spec, secrets, ownerPassword, ownerScramVerifier, poolerAdminPassword, poolerAdminScramVerifier, members,
                poolerPort, tls, null);
    }

    /** The same cluster with {@code material} as its TLS identity. */
    public DesiredCluster withTls(TlsMaterial material) {
        return new DesiredCluster(id, spec, secrets, ownerPassword, ownerScramVerifier, poolerAdminPassword,
                poolerAdminScramVerifier, members, poolerPort, material, readOnly);
    }

    /**
     * Where the read-only endpoint listens.
     *
     * @param proxyPort the local runtime's TCP proxy between the read-only PgBouncer and the members; 0 where there is
     *                  none (Kubernetes: a Service)
     */
    public record ReadOnlyPorts(int poolerPort, int proxyPort) {
    }

    /** A member's fixed name and ports. */
    public record MemberSlot(int ordinal, String name, int pgPort, int restPort) {
    }

    public MemberSlot member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no member " + name + " in " + spec.databaseName()));
    }

    @Override
    public String toString() {
        return "DesiredCluster[" + id + " " + spec.databaseName() + " " + spec.plan().id() + ", secrets redacted]";
    }
}
