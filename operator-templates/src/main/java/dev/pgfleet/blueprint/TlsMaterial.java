package dev.pgfleet.blueprint;

import java.time.Instant;
import java.util.List;

/**
 * One database's TLS identity, as the control plane's CA issued it: the CA certificate (what clients download to
 * verify with), and one server certificate and key that PgBouncer and every member present. Holds a private key:
 * never log it (toString is redacted).
 *
 * @param names    the DNS names and IP addresses (subject alternative names) the certificate is valid for: every
 *                 host a connection string or a peer uses to reach the database's endpoints
 * @param serial   the certificate's serial number (hex), what a runtime compares with the one an endpoint presents
 * @param notAfter when the certificate expires; it is renewed well before
 */
public record TlsMaterial(String caCertificatePem, String certificatePem, String privateKeyPem, List<String> names,
                          String serial, Instant notAfter) {
    public TlsMaterial {
        names = List.copyOf(names);
    }

    @Override
    public String toString() {
        return "TlsMaterial[serial=" + serial + ", notAfter=" + notAfter + ", names=" + names + ", key redacted]";
    }
}
