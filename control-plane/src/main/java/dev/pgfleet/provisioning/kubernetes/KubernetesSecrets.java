package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.TlsMaterial;
import dev.pgfleet.blueprint.kubernetes.DatabaseSecrets;
import dev.pgfleet.provisioning.DesiredCluster;

/** The secrets a database's Kubernetes objects carry, from its desired state (or placeholders, for export). */
final class KubernetesSecrets {
    private KubernetesSecrets() {
    }

    static DatabaseSecrets of(DesiredCluster desired) {
        return new DatabaseSecrets(desired.secrets(), desired.ownerPassword(), desired.ownerScramVerifier(),
                desired.poolerAdminPassword(), desired.poolerAdminScramVerifier(), desired.tls());
    }

    /**
     * Every secret value replaced by {@code placeholder}: objects built from these can be shown without leaking
     * anything. A TLS identity keeps its certificates (public: what every client is shown) and loses its key.
     */
    static DatabaseSecrets redacted(String placeholder, TlsMaterial tls) {
        TlsMaterial shown = tls == null ? null : new TlsMaterial(tls.caCertificatePem(), tls.certificatePem(), placeholder,
                tls.names(), tls.serial(), tls.notAfter());
        return new DatabaseSecrets(new ClusterSecrets(placeholder, placeholder, placeholder, placeholder), placeholder, placeholder,
                placeholder, placeholder, shown);
    }
}
