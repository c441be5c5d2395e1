package dev.pgfleet.tenant;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Tenants and the first admin, bound from top-level keys: {@code pgfleet.database-quota}, {@code pgfleet.admin-token}
 * and {@code pgfleet.admin-password} keep the names operators already set (README, the Helm chart's environment),
 * so this feature's prefix is {@code pgfleet} itself.
 *
 * @param databaseQuota databases a new tenant may have
 * @param adminToken    the admin token to create on first start (e.g. from a Kubernetes Secret); empty generates one
 *                      and writes it to $PGFLEET_HOME/admin-token
 * @param adminPassword the dashboard password of {@code admin}, set on first start; empty generates one and writes it
 *                      to $PGFLEET_HOME/admin-password
 */
@Validated
@ConfigurationProperties("pgfleet")
public record TenantProperties(
        @DefaultValue("10") @Min(0) @Max(10_000) int databaseQuota,
        String adminToken,
        String adminPassword) {

    public boolean adminTokenSupplied() {
        return adminToken != null && !adminToken.isBlank();
    }
}
