package dev.pgfleet.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * The installation's certificate authority as pure functions: make a CA, issue a server certificate with it. No I/O
 * (InstallationCa and ServerCertificates store what these make).
 *
 * <p>Keys are ECDSA P-256: every client pgfleet supports (libpq/OpenSSL, pgjdbc on the JDK, node's OpenSSL,
 * PgBouncer's libtls layer) verifies it, a key is generated in milliseconds (an RSA-3072 key takes ~0.5 s, and
 * every renewal makes one), and its strength (~128 bits) matches RSA-3072.
 */
public final class CertificateAuthority {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Certificates start this long before "now": a client whose clock is slightly behind still accepts them. */
    static final Duration BACKDATE = Duration.ofMinutes(1);

    private CertificateAuthority() {
    }

    /** A CA certificate with its private key. Holds a private key: never log it. */
    public record Ca(X509Certificate certificate, PrivateKey privateKey) {
        @Override
        public String toString() {
            return "Ca[" + certificate.getSubjectX500Principal() + ", key redacted]";
        }
    }

    /** A server certificate with its private key. Holds a private key: never log it. */
    public record Issued(X509Certificate certificate, PrivateKey privateKey) {
        @Override
        public String toString() {
            return "Issued[serial=" + certificate.getSerialNumber().toString(16) + ", key redacted]";
        }
    }

    /** A new self-signed CA: may sign certificates (path length 0: no intermediate CAs), nothing else. */
    public static Ca createCa(String commonName, Instant now, Duration validity) {
        try {
            KeyPair keys = newKeyPair();
            X500Name subject = name(commonName);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, keys.getPublic());
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
            return new Ca(sign(builder, keys.getPrivate()), keys.getPrivate());
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("could not create the CA: " + e.getMessage(), e);
        }
    }

    /**
     * A server certificate for {@code names} (host names become dNSName, IP literals iPAddress subject alternative
     * names), for TLS server authentication only, signed by {@code ca}.
     */
    public static Issued issueServer(Ca ca, String commonName, List<String> names, Instant now, Duration validity) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a server certificate needs at least one name");
        }
        try {
            KeyPair keys = newKeyPair();
            Instant notAfter = now.plus(validity);
            // Never beyond the CA: a chain whose CA expires first fails verification.
            if (notAfter.isAfter(ca.certificate().getNotAfter().toInstant())) {
                notAfter = ca.certificate().getNotAfter().toInstant();
            }
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.certificate(), serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(notAfter), name(commonName), keys.getPublic());
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectAlternativeName, false, subjectAlternativeNames(names));
            builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(ca.certificate()));
            return new Issued(sign(builder, ca.privateKey()), keys.getPrivate());
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("could not issue a server certificate: " + e.getMessage(), e);
        }
    }

    /** Whether {@code name} is an IPv4 or IPv6 literal (an iPAddress SAN) rather than a host name. */
    public static boolean isIpLiteral(String name) {
        return IPAddress.isValid(name);
    }

    static GeneralNames subjectAlternativeNames(List<String> names) {
        return new GeneralNames(names.stream()
                .map(n -> isIpLiteral(n) ? new GeneralName(GeneralName.iPAddress, n) : new GeneralName(GeneralName.dNSName, n))
                .toArray(GeneralName[]::new));
    }

    private static X500Name name(String commonName) {
        // A CN is at most 64 characters (RFC 5280 ub-common-name); clients verify the SANs, not the CN.
        String cn = commonName.length() > 64 ? commonName.substring(0, 64) : commonName;
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "pgfleet").addRDN(BCStyle.CN, cn).build();
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    /** 127 random bits, positive: unique without a counter that two control planes would have to share. */
    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).setBit(126);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }
}
