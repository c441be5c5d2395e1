package dev.pgfleet.tenant;

import dev.pgfleet.system.PgfleetProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * On the very first start, creates the admin tenant and user and writes the admin token to
 * $PGFLEET_HOME/admin-token (mode 0600). The token is generated, or taken from PGFLEET_ADMIN_TOKEN where the
 * home does not survive restarts (a Kubernetes pod). The token is printed on the console because the person who
 * ran {@code ./pgfleet up} needs it for their first API call.
 */
@Component
@Order(0)
class AdminBootstrap implements ApplicationRunner {
    private static final Logger log = LoggerFactory.getLogger(AdminBootstrap.class);

    private final TenantService tenants;
    private final PgfleetProperties properties;

    AdminBootstrap(TenantService tenants, PgfleetProperties properties) {
        this.tenants = tenants;
        this.properties = properties;
    }

    @Override
    public void run(ApplicationArguments args) {
        if (tenants.adminExists()) {
            return;
        }
        String configured = properties.adminToken();
        if (configured != null && !configured.isBlank()) {
            // The operator holds this token already (e.g. in a Kubernetes Secret): not written anywhere else.
            tenants.createTenant(TenantService.ADMIN_TENANT, true, configured.strip());
            log.info("created the admin tenant with the token from PGFLEET_ADMIN_TOKEN");
            return;
        }
        TenantService.CreatedTenant admin = tenants.createTenant(TenantService.ADMIN_TENANT, true);
        Path file = properties.resolvedHome().resolve("admin-token");
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, admin.token() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        log.info("created the admin tenant; its API token is in {}", file);
    }
}
