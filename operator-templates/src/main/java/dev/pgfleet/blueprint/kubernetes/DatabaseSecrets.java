package dev.pgfleet.blueprint.kubernetes;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.TlsMaterial;
import java.util.Objects;

/**
 * The secrets a database's Kubernetes objects carry (the values go into the Secret's stringData; the pooler gets
 * only SCRAM verifiers), and the database's TLS identity ({@code tls}; null: none yet, and the objects are built
 * without TLS, as before issue 13). toString is redacted.
 *
 * <p>The REST API password must be printable ASCII without a single quote: clients send it in a Basic
 * authorization header; generated passwords are letters and digits.
 */
public record DatabaseSecrets(ClusterSecrets cluster, String ownerPassword, String ownerScramVerifier,
                              String poolerAdminPassword, String poolerAdminScramVerifier, TlsMaterial tls) {

    /** A database without a TLS identity (yet): its objects have no TLS Secret, mount and settings. */
    public DatabaseSecrets(ClusterSecrets cluster, String ownerPassword, String ownerScramVerifier,
                           String poolerAdminPassword, String poolerAdminScramVerifier) {
        this(cluster, ownerPassword, ownerScramVerifier, poolerAdminPassword, poolerAdminScramVerifier, null);
    }

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
        if (tls != null) {
            requireValue("CA certificate", tls.caCertificatePem());
            requireValue("server certificate", tls.certificatePem());
            requireValue("server private key", tls.privateKeyPem());
        }
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
