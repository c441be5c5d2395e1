package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.tls.PresentedCertificate;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;

/** For tests outside this package (the container test): what an endpoint presents, and a PEM certificate's serial. */
public final class PresentedCertificates {
    private PresentedCertificates() {
    }

    /**
     * The serial of the certificate {@code host:port} presents after an SSLRequest, verified against {@code caPem};
     * empty when it does not do TLS or presents another CA's certificate.
     */
    public static Optional<BigInteger> serial(String host, int port, String caPem) {
        return PresentedCertificate.fetch(host, port, caPem, Duration.ofSeconds(3)).map(X509Certificate::getSerialNumber);
    }

    public static BigInteger serialOf(String certificatePem) {
        try {
            return ((X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)))).getSerialNumber();
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a PEM certificate", e);
        }
    }
}
