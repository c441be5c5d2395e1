package dev.pgfleet.provisioning.kubernetes;

import java.io.ByteArrayInputStream;
import java.io.IOException;
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

    /** The serial of the certificate {@code host:port} presents after an SSLRequest; empty when it does not do TLS. */
    public static Optional<BigInteger> serial(String host, int port) throws IOException {
        return PresentedCertificate.fetchSerial(host, port, Duration.ofSeconds(3));
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
