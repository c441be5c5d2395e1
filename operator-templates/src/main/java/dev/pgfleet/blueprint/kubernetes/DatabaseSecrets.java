package dev.pgfleet.blueprint.kubernetes;

import dev.pgfleet.blueprint.ClusterSecrets;
import java.util.Objects;

/**
 * The secrets a database's Kubernetes objects carry (the values go into the Secret's stringData; the pooler gets
 * only SCRAM verifiers). toString is redacted.
 *
 * <p>The REST API password must be printable ASCII without a single quote: clients send it in a Basic
 * authorization header; generated passwords are letters and digits.
 */
public record DatabaseSecrets(ClusterSecrets cluster, String ownerPassword, String ownerScramVerifier,
                              String poolerAdminPassword, String poolerAdminScramVerifier) {

    public DatabaseSecrets {
        Objects.requireNonNull(cluster, "cluster");
        requireValue("superuser password", cluster.superuserPassword());
        requireValue("replication password", cluster.replicationPassword());
        requireValue("REST API password", cluster.restApiPassword());
        requireValue("DCS password", cluster.dcsPassword());
        requireValue("owner password", ownerPassword);
        requireValue("owner SCRAM verifier", ownerScramVerifier);
        requireValue("pooler admin password", poolerAdminPassword);
        requireValue("pooler admin SCRAM verifier", poolerAdminScramVerifier);
        if (!cluster.restApiPassword().chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '\'')) {
            throw new IllegalArgumentException("the REST API password must be printable ASCII without a single quote");
        }
    }

    @Override
    public String toString() {
        return "DatabaseSecrets[redacted]";
    }

    private static void requireValue(String what, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(what + " is required");
        }
    }
}
