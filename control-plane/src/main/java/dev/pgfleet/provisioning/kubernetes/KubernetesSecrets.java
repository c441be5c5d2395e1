package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.kubernetes.DatabaseSecrets;
import dev.pgfleet.provisioning.DesiredCluster;

/** The secrets a database's Kubernetes objects carry, from its desired state (or placeholders, for export). */
final class KubernetesSecrets {
    private KubernetesSecrets() {
    }

    static DatabaseSecrets of(DesiredCluster desired) {
        return new DatabaseSecrets(desired.secrets(), desired.ownerPassword(), desired.ownerScramVerifier(),
                desired.poolerAdminPassword(), desired.poolerAdminScramVerifier());
    }

    /** Every value replaced by {@code placeholder}: objects built from these can be shown without leaking anything. */
    static DatabaseSecrets redacted(String placeholder) {
        return new DatabaseSecrets(new ClusterSecrets(placeholder, placeholder, placeholder, placeholder), placeholder, placeholder,
                placeholder, placeholder);
    }
}
