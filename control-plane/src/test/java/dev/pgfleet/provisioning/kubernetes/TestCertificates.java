package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.blueprint.TlsMaterial;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA and server certificates made for a test (BouncyCastle), in the shape the control plane's CA issues them
 * ({@link TlsMaterial}): until issue 13's CA is merged, the Kubernetes TLS tests make their own, never from files.
 */
public final class TestCertificates {
    private final KeyPair caKey;
    private final X509CertificateHolder ca;
    private final SecureRandom random = new SecureRandom();

    public TestCertificates(String caName) {
        try {
            caKey = keyPair();
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=" + caName);
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minusSeconds(60)),
                    Date.from(now.plus(Duration.ofDays(30))), subject, caKey.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            ca = builder.build(signer());
        } catch (GeneralSecurityException | IOException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    public String caPem() {
        return pem(ca);
    }

    /** A new server certificate and key for {@code names} (DNS names; IP addresses as IP SANs), signed by this CA. */
    public TlsMaterial issue(List<String> names) {
        try {
            KeyPair key = keyPair();
            Instant now = Instant.now();
            Instant notAfter = now.plus(Duration.ofDays(7));
            BigInteger serial = serial();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.getSubject(), serial,
                    Date.from(now.minusSeconds(60)), Date.from(notAfter), new X500Name("CN=" + names.get(0)), key.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.stream()
                    .map(n -> new GeneralName(n.matches("[0-9.]+|.*:.*") ? GeneralName.iPAddress : GeneralName.dNSName, n))
                    .toArray(GeneralName[]::new)));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            X509CertificateHolder certificate = builder.build(signer());
            StringWriter keyPem = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(keyPem)) {
                writer.writeObject(new JcaPKCS8Generator(key.getPrivate(), null));
            }
            return new TlsMaterial(caPem(), pem(certificate), keyPem.toString(), names, serial.toString(16),
                    notAfter.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        } catch (GeneralSecurityException | IOException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private ContentSigner signer() throws org.bouncycastle.operator.OperatorCreationException {
        return new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate());
    }

    private BigInteger serial() {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static String pem(X509CertificateHolder certificate) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(certificate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
