package dev.pgfleet.tls;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Which certificate a PostgreSQL-protocol endpoint (a PostgreSQL member, PgBouncer) presents right now: the
 * runtime's observation for converging renewals (reload only while an endpoint still presents another serial than
 * the stored one). Sends the protocol's SSLRequest, completes a TLS handshake that trusts only the given CA, reads
 * the peer certificate and closes; no credentials are sent. I/O.
 */
public final class PresentedCertificate {
    /** The SSLRequest code of the PostgreSQL protocol (1234 in the high 16 bits, 5679 in the low). */
    private static final int SSL_REQUEST = 80877103;

    private PresentedCertificate() {
    }

    /**
     * The certificate {@code host:port} presents, if it accepts TLS and that certificate chains to
     * {@code caCertificatePem}; empty when it refuses TLS, cannot be reached within {@code timeout}, or presents a
     * certificate of another CA. The host name is not checked: callers compare serials, clients check names.
     */
    public static Optional<X509Certificate> fetch(String host, int port, String caCertificatePem, Duration timeout) {
        int millis = (int) Math.max(1, timeout.toMillis());
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(host, port), millis);
            plain.setSoTimeout(millis);
            DataOutputStream out = new DataOutputStream(plain.getOutputStream());
            out.writeInt(8);
            out.writeInt(SSL_REQUEST);
            out.flush();
            int answer = new DataInputStream(plain.getInputStream()).read();
            if (answer != 'S') {
                return Optional.empty();
            }
            try (SSLSocket tls = (SSLSocket) context(caCertificatePem).getSocketFactory().createSocket(plain, host, port, false)) {
                tls.setUseClientMode(true);
                tls.startHandshake();
                Certificate[] chain = tls.getSession().getPeerCertificates();
                return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? Optional.of(leaf) : Optional.empty();
            }
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The presented certificate's serial (lowercase hex, as {@link ServerCertificates#serialOf}), if any. I/O. */
    public static Optional<String> fetchSerial(String host, int port, String caCertificatePem, Duration timeout) {
        return fetch(host, port, caCertificatePem, timeout).map(ServerCertificates::serialOf);
    }

    private static SSLContext context(String caCertificatePem) throws IOException {
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            trusted.setCertificateEntry("ca", Pem.certificate(caCertificatePem));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot build a trust store from the CA certificate: " + e.getMessage(), e);
        }
    }
}
