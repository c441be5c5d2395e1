package dev.pgfleet.system.process;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who runs the processes pgfleet starts on this machine and where PostgreSQL is installed, bound from
 * {@code pgfleet.local.*} (the local runtime's addresses and ports are that prefix's other keys,
 * {@code provisioning.local.LocalRuntimeProperties}).
 *
 * @param osUser            unprivileged user that runs data-plane processes when the control plane is root
 * @param postgresRoot      where PostgreSQL major versions are installed (one directory per version)
 * @param postgresShareRoot where their shared files (extensions) are installed
 * @param metadataOsUser    unprivileged user that runs the embedded metadata store when the control plane is root;
 *                          never the same as {@code osUser}, so the data plane cannot reach the control plane's state
 */
@Validated
@ConfigurationProperties("pgfleet.local")
public record ProcessProperties(
        @DefaultValue("postgres") @NotBlank String osUser,
        @DefaultValue("/usr/lib/postgresql") @NotBlank String postgresRoot,
        @DefaultValue("/usr/share/postgresql") @NotBlank String postgresShareRoot,
        @DefaultValue("pgfleet") @NotBlank String metadataOsUser) {

    @AssertTrue(message = "pgfleet.local.metadata-os-user must differ from pgfleet.local.os-user")
    public boolean isMetadataUserSeparate() {
        return !metadataOsUser.equals(osUser);
    }
}
