package dev.pgfleet.provisioning;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.system.SecretCipher;
import org.springframework.stereotype.Component;

/** Resolves a stored database into the desired cluster a runtime converges (decrypting its secrets). */
@Component
public class DesiredClusters {
    private final SecretCipher cipher;

    DesiredClusters(SecretCipher cipher) {
        this.cipher = cipher;
    }

    /** The blueprint's view of a stored database (no secrets). */
    public static ClusterSpec specOf(Database d) {
        Plan plan = Plan.fromId(d.getPlan()).orElseThrow(() -> new IllegalStateException("unknown plan " + d.getPlan()));
        return new ClusterSpec(DatabaseService.scopeOf(d), d.getName(), plan, d.getPostgresVersion());
    }

    /** The password of the control plane's monitoring role in this database's cluster; empty before it has one. */
    public java.util.Optional<String> monitorPassword(Database d) {
        return java.util.Optional.ofNullable(d.getMonitorPasswordEnc()).map(cipher::decrypt);
    }

    /** Encrypts a newly generated secret for storage. */
    public String encrypt(String secret) {
        return cipher.encrypt(secret);
    }

    public DesiredCluster of(Database d) {
        ClusterSpec spec = specOf(d);
        ClusterSecrets secrets = new ClusterSecrets(cipher.decrypt(d.getSuperuserPasswordEnc()),
                cipher.decrypt(d.getReplicationPasswordEnc()), cipher.decrypt(d.getRestApiPasswordEnc()));
        return new DesiredCluster(d.getId(), spec, secrets, cipher.decrypt(d.getOwnerPasswordEnc()), d.getOwnerScramVerifier(),
                cipher.decrypt(d.getPoolerAdminPasswordEnc()), d.getPoolerAdminScramVerifier(),
                d.getMembers().stream()
                        .map(m -> new DesiredCluster.MemberSlot(m.getOrdinal(), m.getName(), m.getPgPort(), m.getRestPort()))
                        .toList(),
                d.getPoolerPort() == null ? 0 : d.getPoolerPort());
    }
}
