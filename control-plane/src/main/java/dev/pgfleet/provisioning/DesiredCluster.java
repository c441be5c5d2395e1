package dev.pgfleet.provisioning;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import java.util.List;
import java.util.UUID;

/**
 * Everything a runtime needs to converge one database, decrypted and resolved from the metadata store.
 * Holds secrets: never log it (toString is redacted).
 */
public record DesiredCluster(UUID id, ClusterSpec spec, ClusterSecrets secrets, String ownerPassword,
                             String ownerScramVerifier, String poolerAdminPassword, String poolerAdminScramVerifier,
                             List<MemberSlot> members, int poolerPort) {

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
