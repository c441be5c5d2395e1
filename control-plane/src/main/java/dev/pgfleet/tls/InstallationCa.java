package dev.pgfleet.tls;

import dev.pgfleet.system.SecretCipher;
import java.time.Instant;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The installation's one CA, kept in the metadata store (table tls_ca) with its private key encrypted by the master
 * key. Made on first need; control planes starting together each insert-if-absent and then all use the row that
 * won, so there is never a second CA.
 */
@Component
public class InstallationCa {
    private final JdbcTemplate jdbc;
    private final SecretCipher cipher;
    private final TlsProperties properties;
    private final TransactionTemplate ownTransaction;
    private volatile CertificateAuthority.Ca cached;

    InstallationCa(JdbcTemplate jdbc, SecretCipher cipher, TlsProperties properties, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.cipher = cipher;
        this.properties = properties;
        this.ownTransaction = new TransactionTemplate(transactions);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /** The CA, created and stored first if the installation has none (I/O on the first call only). */
    public CertificateAuthority.Ca fetchOrCreate() {
        CertificateAuthority.Ca ca = cached;
        if (ca != null) {
            return ca;
        }
        synchronized (this) {
            if (cached == null) {
                cached = ownTransaction.execute(tx -> {
                    CertificateAuthority.Ca made = CertificateAuthority.createCa("pgfleet CA", Instant.now(), properties.caValidity());
                    // Only fills an empty table: a control plane that lost the race reads the winner's CA below.
                    jdbc.update("insert into tls_ca (id, certificate_pem, private_key_enc) values (1, ?, ?) on conflict (id) do nothing",
                            Pem.of(made.certificate()), cipher.encrypt(Pem.of(made.privateKey())));
                    return jdbc.queryForObject("select certificate_pem, private_key_enc from tls_ca where id = 1",
                            (rs, n) -> new CertificateAuthority.Ca(Pem.certificate(rs.getString(1)),
                                    Pem.privateKey(cipher.decrypt(rs.getString(2)))));
                });
            }
            return cached;
        }
    }

    /** The CA certificate as PEM: what clients download to verify the databases' endpoints with. */
    public String fetchCertificatePem() {
        return Pem.of(fetchOrCreate().certificate());
    }
}
