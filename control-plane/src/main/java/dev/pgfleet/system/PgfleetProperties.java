package dev.pgfleet.system;

import jakarta.validation.constraints.Pattern;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The installation as a whole, bound from the top-level {@code pgfleet.*} keys (and the PGFLEET_* environment
 * variables mapped in application.yml). Each feature binds its own keys: {@code pgfleet.reconcile},
 * {@code pgfleet.local}, {@code pgfleet.kubernetes}, {@code pgfleet.backup}, {@code pgfleet.drill}, {@code pgfleet.tls},
 * {@code pgfleet.insights}, {@code pgfleet.login-throttle}, and the tenant feature its top-level
 * {@code pgfleet.database-quota}/{@code admin-token}/{@code admin-password} ({@code tenant.TenantProperties}).
 *
 * @param home           where all state lives; see {@link #resolvedHome()}
 * @param db             external metadata database; empty url means the embedded one under home
 * @param masterKey      the key control-plane secrets are encrypted with; empty: generated under home
 * @param runtime        {@code local} (processes on this machine) or {@code kubernetes}
 * @param maxRequestBody the largest request body accepted (413 above)
 */
@Validated
@ConfigurationProperties("pgfleet")
public record PgfleetProperties(
        String home,
        @DefaultValue Db db,
        String masterKey,
        @DefaultValue("local") @Pattern(regexp = "local|kubernetes") String runtime,
        @DefaultValue("1MB") DataSize maxRequestBody) {

    public record Db(String url, String user, String password) {
        public boolean external() {
            return url != null && !url.isBlank();
        }
    }

    /**
     * PGFLEET_HOME, or ~/.pgfleet; for root /var/lib/pgfleet, because data-plane processes then run as an
     * unprivileged user who cannot enter /root.
     */
    public Path resolvedHome() {
        if (home != null && !home.isBlank()) {
            return Path.of(home).toAbsolutePath().normalize();
        }
        if ("root".equals(System.getProperty("user.name"))) {
            return Path.of("/var/lib/pgfleet");
        }
        return Path.of(System.getProperty("user.home"), ".pgfleet");
    }
}
