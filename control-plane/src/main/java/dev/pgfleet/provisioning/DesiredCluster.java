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
 * @param tls the database's current TLS identity (certificate and key for its endpoints); null only before it has
 *            one, i.e. in a desired cluster built without the CA
 */
public record DesiredCluster(UUID id, ClusterSpec spec, ClusterSecrets secrets, String ownerPassword,
                             String ownerScramVerifier, String poolerAdminPassword, String poolerAdminScramVerifier,
                             List<MemberSlot> members, int poolerPort, TlsMaterial tls) {

    /** The same cluster with {@code material} as its TLS identity. */
    public DesiredCluster withTls(TlsMaterial material) {
        return new DesiredCluster(id, spec, secrets, ownerPassword, ownerScramVerifier, poolerAdminPassword,
                poolerAdminScramVerifier, members, poolerPort, material);
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
