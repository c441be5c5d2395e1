package dev.pgfleet.tls;

import dev.pgfleet.blueprint.TlsMaterial;
import dev.pgfleet.system.SecretCipher;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Each database's server certificate: one key and certificate that PgBouncer and every member present, stored on
 * the database's row with the key encrypted. Issued on a database's first reconcile pass, and again when the stored
 * one expires within {@code pgfleet.tls.renew-before}, names other hosts than the runtime's endpoints now need, or
 * was issued by another CA.
 */
@Component
public class ServerCertificates {
    private final JdbcTemplate jdbc;
    private final SecretCipher cipher;
    private final InstallationCa ca;
    private final TlsProperties properties;
    private final TransactionTemplate ownTransaction;

    ServerCertificates(JdbcTemplate jdbc, SecretCipher cipher, InstallationCa ca, TlsProperties properties,
                       PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.cipher = cipher;
        this.ca = ca;
        this.properties = properties;
        this.ownTransaction = new TransactionTemplate(transactions);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /** The outcome of {@link #issueIfDue}: the current material, and why a new one was issued (empty: it was not). */
    public record Renewal(TlsMaterial material, Optional<String> reason) {
    }

    /**
     * The stored identity as the runtime gets it (decrypts the key, parses the certificate: no I/O); null when the
     * database has none yet.
     */
    public TlsMaterial materialOf(String certificatePem, String privateKeyEnc, String caCertificatePem) {
        if (certificatePem == null || privateKeyEnc == null || caCertificatePem == null) {
            return null;
        }
        X509Certificate certificate = Pem.certificate(certificatePem);
        return new TlsMaterial(caCertificatePem, certificatePem, cipher.decrypt(privateKeyEnc), sanNames(certificate),
                serialOf(certificate), certificate.getNotAfter().toInstant());
    }

    /**
     * Issues and stores a new certificate for database {@code id} if {@code current} is missing or due (see the
     * class), and returns the stored one. I/O. Two control planes renewing at once: the update only replaces the
     * certificate this pass saw, so one wins and both return the winner's.
     */
    public Renewal issueIfDue(UUID id, TlsMaterial current, List<String> names) {
        CertificateAuthority.Ca authority = ca.fetchOrCreate();
        String caPem = Pem.of(authority.certificate());
        Optional<String> reason = renewalReason(current, caPem, names, Instant.now(), properties.renewBefore());
        if (reason.isEmpty()) {
            return new Renewal(current, Optional.empty());
        }
        CertificateAuthority.Issued issued = CertificateAuthority.issueServer(authority, "pgfleet database " + id,
                names, Instant.now(), properties.serverCertificateValidity());
        String certificatePem = Pem.of(issued.certificate());
        String previous = current == null ? null : current.certificatePem();
        TlsMaterial stored = ownTransaction.execute(tx -> {
            jdbc.update("update databases set tls_certificate_pem = ?, tls_private_key_enc = ?, tls_ca_certificate_pem = ?"
                            + " where id = ? and tls_certificate_pem is not distinct from ?",
                    certificatePem, cipher.encrypt(Pem.of(issued.privateKey())), caPem, id, previous);
            return jdbc.queryForObject("select tls_certificate_pem, tls_private_key_enc, tls_ca_certificate_pem from databases where id = ?",
                    (rs, n) -> materialOf(rs.getString(1), rs.getString(2), rs.getString(3)), id);
        });
        if (stored == null) {
            throw new IllegalStateException("database " + id + " has no certificate and none could be stored");
        }
        return new Renewal(stored, stored.serial().equals(serialOf(issued.certificate())) ? reason : Optional.empty());
    }

    /** Why {@code current} must be replaced, or empty if it may stay. Pure. */
    static Optional<String> renewalReason(TlsMaterial current, String caPem, List<String> names, Instant now,
                                          java.time.Duration renewBefore) {
        if (current == null) {
            return Optional.of("the database had no server certificate");
        }
        if (!current.caCertificatePem().equals(caPem)) {
            return Optional.of("the certificate was issued by another CA");
        }
        // A certificate never outlives its CA: one that already ends with the CA would be replaced by one ending at the
        // same moment, on every pass. Only a new CA helps then (not built yet; docs/security.md).
        boolean endsWithTheCa = !current.notAfter().isBefore(Pem.certificate(caPem).getNotAfter().toInstant());
        if (!now.plus(renewBefore).isBefore(current.notAfter()) && !endsWithTheCa) {
            return Optional.of("the certificate expires at " + current.notAfter());
        }
        Set<String> wanted = canonical(names);
        Set<String> have = canonical(current.names());
        if (!wanted.equals(have)) {
            return Optional.of("the endpoints' names changed from " + have + " to " + wanted);
        }
        return Optional.empty();
    }

    /** The certificate's serial number as lowercase hex: how TlsMaterial and PresentedCertificate name it. */
    public static String serialOf(X509Certificate certificate) {
        return certificate.getSerialNumber().toString(16);
    }

    static List<String> sanNames(X509Certificate certificate) {
        try {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            List<String> names = new ArrayList<>();
            if (sans != null) {
                for (List<?> san : sans) {
                    names.add(String.valueOf(san.get(1)));
                }
            }
            return names;
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("unreadable subject alternative names: " + e.getMessage(), e);
        }
    }

    /** One spelling per name: host names in lowercase, IP literals as the JDK prints them (::1 = 0:0:0:0:0:0:0:1). */
    static Set<String> canonical(Collection<String> names) {
        Set<String> out = new TreeSet<>();
        for (String name : names) {
            if (CertificateAuthority.isIpLiteral(name)) {
                try {
                    out.add(InetAddress.getByName(name).getHostAddress()); // a literal: parsed, never looked up
                } catch (UnknownHostException e) {
                    out.add(name);
                }
            } else {
                out.add(name.toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }
}
