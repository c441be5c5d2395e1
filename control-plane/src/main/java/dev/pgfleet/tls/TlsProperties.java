package dev.pgfleet.tls;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long the certificates pgfleet issues are valid (docs/security.md, "TLS").
 *
 * @param caValidity                the installation CA's lifetime (made once, on first need)
 * @param serverCertificateValidity a database's server certificate's lifetime
 * @param renewBefore               a server certificate is replaced once it expires within this
 */
@ConfigurationProperties("pgfleet.tls")
public record TlsProperties(@DefaultValue("3650d") Duration caValidity,
                            @DefaultValue("90d") Duration serverCertificateValidity,
                            @DefaultValue("30d") Duration renewBefore) {
    public TlsProperties {
        if (renewBefore.isNegative() || renewBefore.compareTo(serverCertificateValidity) >= 0) {
            throw new IllegalArgumentException("pgfleet.tls.renew-before (" + renewBefore
                    + ") must be shorter than pgfleet.tls.server-certificate-validity (" + serverCertificateValidity + ")");
        }
        if (serverCertificateValidity.compareTo(caValidity) > 0) {
            throw new IllegalArgumentException("pgfleet.tls.server-certificate-validity must not exceed pgfleet.tls.ca-validity");
        }
    }
}
