package dev.pgfleet.provisioning;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.database.Passwords;
import dev.pgfleet.system.SecretCipher;
import dev.pgfleet.tls.ServerCertificates;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/** Resolves a stored database into the desired cluster a runtime converges (decrypting its secrets). */
@Component
public class DesiredClusters {
    private final SecretCipher cipher;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate ownTransaction;
    private final ServerCertificates certificates;

    DesiredClusters(SecretCipher cipher, JdbcTemplate jdbc, PlatformTransactionManager transactions, ServerCertificates certificates) {
        this.cipher = cipher;
        this.certificates = certificates;
        this.jdbc = jdbc;
        // Its own short transaction: callers may hold a read-only one.
        this.ownTransaction = new TransactionTemplate(transactions);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
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

    /**
     * The desired cluster, with the TLS identity stored for it (null before its first reconcile pass issued one); gives
     * a database created before per-scope etcd users its DCS password first (I/O then).
     */
    public DesiredCluster of(Database d) {
        ClusterSpec spec = specOf(d);
        String dcsPassword = d.getDcsPasswordEnc() != null ? cipher.decrypt(d.getDcsPasswordEnc()) : ensureDcsPassword(d.getId());
        ClusterSecrets secrets = new ClusterSecrets(cipher.decrypt(d.getSuperuserPasswordEnc()),
                cipher.decrypt(d.getReplicationPasswordEnc()), cipher.decrypt(d.getRestApiPasswordEnc()), dcsPassword);
        return new DesiredCluster(d.getId(), spec, secrets, cipher.decrypt(d.getOwnerPasswordEnc()), d.getOwnerScramVerifier(),
                cipher.decrypt(d.getPoolerAdminPasswordEnc()), d.getPoolerAdminScramVerifier(),
                d.getMembers().stream()
                        .map(m -> new DesiredCluster.MemberSlot(m.getOrdinal(), m.getName(), m.getPgPort(), m.getRestPort()))
                        .toList(),
                d.getPoolerPort() == null ? 0 : d.getPoolerPort(),
                certificates.materialOf(d.getTlsCertificatePem(), d.getTlsPrivateKeyEnc(), d.getTlsCaCertificatePem()),
                d.getReadOnlyPoolerPort() == null ? null : new DesiredCluster.ReadOnlyPorts(d.getReadOnlyPoolerPort(),
                        d.getReadOnlyProxyPort() == null ? 0 : d.getReadOnlyProxyPort()));
    }

    /**
     * {@code desired} with a server certificate for {@code names}: the stored one, or a new one issued and stored
     * first when it is missing or due (I/O then; see ServerCertificates).
     */
    public ServerCertificates.Renewal issueCertificateIfDue(DesiredCluster desired, List<String> names) {
        return certificates.issueIfDue(desired.id(), desired.tls(), names);
    }

    /**
     * Generates and stores the database's etcd password unless one is stored already, and returns the stored one.
     * The update only fills a null, so two control planes (or two passes) racing here end with the same password.
     * New databases get theirs here too, on their first pass: one path for old and new.
     */
    String ensureDcsPassword(UUID id) {
        String stored = ownTransaction.execute(tx -> {
            jdbc.update("update databases set dcs_password_enc = ? where id = ? and dcs_password_enc is null",
                    cipher.encrypt(Passwords.generate()), id);
            return jdbc.queryForObject("select dcs_password_enc from databases where id = ?", String.class, id);
        });
        if (stored == null) {
            throw new IllegalStateException("database " + id + " has no DCS password and none could be stored");
        }
        return cipher.decrypt(stored);
    }
}
