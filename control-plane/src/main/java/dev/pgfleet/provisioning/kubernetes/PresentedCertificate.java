package dev.pgfleet.provisioning.kubernetes;

import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Which server certificate a PostgreSQL-protocol endpoint (PostgreSQL, PgBouncer) presents right now (I/O): the
 * protocol's SSLRequest, then a TLS handshake, then the connection is closed before any startup message, so no
 * credentials are sent and nothing is authenticated.
 *
 * <p>Minimal and private to the Kubernetes runtime until issue 13's slices merge; helper {@code tls} writes the
 * reusable {@code dev.pgfleet.tls.PresentedCertificate}, which should replace this one.
 *
 * <p>The handshake trusts whatever is presented, on purpose: this only observes which certificate an endpoint serves
 * (to compare its serial with the one it should serve), and nothing read or sent depends on trusting it.
 */
final class PresentedCertificate {
    /** PostgreSQL's SSLRequest code (protocol 1234.5679). */
    private static final int SSL_REQUEST = 80877103;

    private PresentedCertificate() {
    }

    /**
     * The serial number of the certificate {@code host:port} presents; empty when it answers that it does not do TLS.
     * Throws IOException when it cannot be reached or the handshake fails.
     */
    static Optional<BigInteger> fetchSerial(String host, int port, Duration timeout) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(8);
            out.writeInt(SSL_REQUEST);
            out.flush();
            int answer = socket.getInputStream().read();
            if (answer == 'N') {
                return Optional.empty();
            }
            if (answer != 'S') {
                throw new IOException(host + ":" + port + " answered the SSLRequest with " + answer);
            }
            try (SSLSocket tls = (SSLSocket) observingContext().getSocketFactory().createSocket(socket, host, port, true)) {
                tls.startHandshake();
                Certificate[] chain = tls.getSession().getPeerCertificates();
                if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
                    throw new IOException(host + ":" + port + " presented no X.509 certificate");
                }
                return Optional.of(certificate.getSerialNumber());
            }
        }
    }

    /** Whether {@code presented} is the certificate whose serial (hex, as TlsMaterial holds it) is {@code serialHex}. */
    static boolean isSerial(BigInteger presented, String serialHex) {
        return presented.equals(new BigInteger(serialHex.strip(), 16));
    }

    private static SSLContext observingContext() throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new ObservingTrustManager()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("no TLS context: " + e.getMessage(), e);
        }
    }

    /** Accepts any server certificate: see the class comment (observation only, nothing is sent after the handshake). */
    private static final class ObservingTrustManager implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("a client-side trust manager");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // Observation only.
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
