package dev.pgfleet.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgfleet.blueprint.TlsMaterial;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CertificateAuthorityTest {
    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
    private static final CertificateAuthority.Ca CA = CertificateAuthority.createCa("pgfleet CA", NOW, Duration.ofDays(3650));

    @Test
    void theCaMaySignCertificatesAndNothingElse() {
        X509Certificate ca = CA.certificate();
        assertThat(ca.getBasicConstraints()).isEqualTo(0);
        assertThat(ca.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(ca.getKeyUsage()[0]).as("digitalSignature").isFalse();
        assertThat(ca.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(3650)));
        assertThat(ca.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(CA.privateKey()).isInstanceOf(ECPrivateKey.class);
        assertThat(((ECPrivateKey) CA.privateKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
    }

    @Test
    void aServerCertificateNamesHostsAsDnsAndAddressesAsIpAndOnlyServesTls() throws Exception {
        CertificateAuthority.Issued issued = CertificateAuthority.issueServer(CA, "pgfleet database x",
                List.of("db.example.com", "localhost", "127.0.0.1", "::1", "10.0.0.5"), NOW, Duration.ofDays(90));
        X509Certificate cert = issued.certificate();
        assertThat(cert.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(2, "db.example.com"), List.of(2, "localhost"), List.of(7, "127.0.0.1"),
                List.of(7, "0:0:0:0:0:0:0:1"), List.of(7, "10.0.0.5"));
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(cert.getKeyUsage()[5]).as("keyCertSign").isFalse();
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(cert.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(90)));
        assertThat(cert.getNotBefore().toInstant()).isEqualTo(NOW.minus(CertificateAuthority.BACKDATE));
        assertThat(cert.getIssuerX500Principal()).isEqualTo(CA.certificate().getSubjectX500Principal());

        // The chain verifies (PKIX, as a TLS client would) against the CA alone, at a time inside the validity.
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(CA.certificate(), null)));
        params.setRevocationEnabled(false);
        params.setDate(Date.from(NOW.plus(Duration.ofDays(1))));
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(cert)), params);
        // ... and not against another CA.
        CertificateAuthority.Ca other = CertificateAuthority.createCa("other", NOW, Duration.ofDays(10));
        PKIXParameters otherParams = new PKIXParameters(Set.of(new TrustAnchor(other.certificate(), null)));
        otherParams.setRevocationEnabled(false);
        otherParams.setDate(Date.from(NOW.plus(Duration.ofDays(1))));
        assertThatThrownBy(() -> CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(cert)), otherParams))
                .isInstanceOf(java.security.cert.CertPathValidatorException.class);
    }

    @Test
    void aServerCertificateNeverOutlivesItsCa() {
        CertificateAuthority.Ca shortCa = CertificateAuthority.createCa("short", NOW, Duration.ofDays(10));
        X509Certificate cert = CertificateAuthority.issueServer(shortCa, "x", List.of("localhost"), NOW, Duration.ofDays(90)).certificate();
        assertThat(cert.getNotAfter()).isEqualTo(shortCa.certificate().getNotAfter());
    }

    @Test
    void serialsDiffer() {
        String a = ServerCertificates.serialOf(CertificateAuthority.issueServer(CA, "x", List.of("localhost"), NOW, Duration.ofDays(1)).certificate());
        String b = ServerCertificates.serialOf(CertificateAuthority.issueServer(CA, "x", List.of("localhost"), NOW, Duration.ofDays(1)).certificate());
        assertThat(a).isNotEqualTo(b).matches("[0-9a-f]{32}");
    }

    @Test
    void pemRoundTrips() {
        CertificateAuthority.Issued issued = CertificateAuthority.issueServer(CA, "x", List.of("localhost"), NOW, Duration.ofDays(1));
        String keyPem = Pem.of(issued.privateKey());
        assertThat(keyPem).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Pem.privateKey(keyPem)).isEqualTo(issued.privateKey());
        assertThat(Pem.certificate(Pem.of(issued.certificate()))).isEqualTo(issued.certificate());
    }

    @Test
    void renewalIsDueWhenMissingExpiringRenamedOrFromAnotherCa() {
        String caPem = Pem.of(CA.certificate());
        CertificateAuthority.Issued issued = CertificateAuthority.issueServer(CA, "x", List.of("localhost", "::1"), NOW, Duration.ofDays(90));
        TlsMaterial material = new TlsMaterial(caPem, Pem.of(issued.certificate()), Pem.of(issued.privateKey()),
                ServerCertificates.sanNames(issued.certificate()), ServerCertificates.serialOf(issued.certificate()),
                issued.certificate().getNotAfter().toInstant());
        Duration renewBefore = Duration.ofDays(30);
        List<String> names = List.of("::1", "LOCALHOST");

        assertThat(ServerCertificates.renewalReason(null, caPem, names, NOW, renewBefore)).isPresent();
        assertThat(ServerCertificates.renewalReason(material, caPem, names, NOW, renewBefore)).as("same names, spelled otherwise").isEmpty();
        assertThat(ServerCertificates.renewalReason(material, caPem, names, NOW.plus(Duration.ofDays(59)), renewBefore)).isEmpty();
        assertThat(ServerCertificates.renewalReason(material, caPem, names, NOW.plus(Duration.ofDays(60)), renewBefore))
                .get().asString().contains("expires");
        assertThat(ServerCertificates.renewalReason(material, caPem, List.of("localhost", "::1", "10.0.0.5"), NOW, renewBefore))
                .get().asString().contains("names changed");
        assertThat(ServerCertificates.renewalReason(material, Pem.of(CertificateAuthority.createCa("o", NOW, Duration.ofDays(9)).certificate()),
                names, NOW, renewBefore)).get().asString().contains("another CA");

        // Near the CA's own end a certificate is capped by it: renewing would give the same end again, on every pass.
        CertificateAuthority.Ca shortCa = CertificateAuthority.createCa("short", NOW, Duration.ofDays(40));
        CertificateAuthority.Issued capped = CertificateAuthority.issueServer(shortCa, "x", List.of("localhost", "::1"), NOW,
                Duration.ofDays(90));
        TlsMaterial cappedMaterial = new TlsMaterial(Pem.of(shortCa.certificate()), Pem.of(capped.certificate()),
                Pem.of(capped.privateKey()), ServerCertificates.sanNames(capped.certificate()),
                ServerCertificates.serialOf(capped.certificate()), capped.certificate().getNotAfter().toInstant());
        assertThat(ServerCertificates.renewalReason(cappedMaterial, Pem.of(shortCa.certificate()), names,
                NOW.plus(Duration.ofDays(20)), renewBefore)).isEmpty();
    }

    @Test
    void renewBeforeMustBeShorterThanTheValidity() {
        assertThatThrownBy(() -> new TlsProperties(Duration.ofDays(3650), Duration.ofDays(30), Duration.ofDays(30)))
                .hasMessageContaining("renew-before");
    }
}
