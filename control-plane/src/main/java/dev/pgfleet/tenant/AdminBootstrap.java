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
 * ran {@code ./pgfleet up} needs it for their first API call — but only that once, when it is generated: later
 * starts print where it is (see StartupBanner), so that a token does not pile up in every log of every start.
 *
 * <p>Likewise the admin user's dashboard password (user {@code admin}): set once, when the admin user has none
 * (a first start, or the first start of a version with the dashboard), generated and written to
 * $PGFLEET_HOME/admin-password (0600) and printed that once — or taken from PGFLEET_ADMIN_PASSWORD.
 */
@Component
@Order(0)
class AdminBootstrap implements ApplicationRunner {
    private static final Logger log = LoggerFactory.getLogger(AdminBootstrap.class);

    private final TenantService tenants;
    private final AccountService accounts;
    private final PgfleetProperties properties;
    private final TenantProperties settings;

    AdminBootstrap(TenantService tenants, AccountService accounts, PgfleetProperties properties, TenantProperties settings) {
        this.tenants = tenants;
        this.accounts = accounts;
        this.properties = properties;
        this.settings = settings;
    }

    @Override
    public void run(ApplicationArguments args) {
        createAdminTenantIfMissing();
        setAdminPasswordIfUnset();
    }

    private void setAdminPasswordIfUnset() {
        String configuredPassword = settings.adminPassword();
        if (configuredPassword != null && !configuredPassword.isBlank()) {
            if (configuredPassword.strip().length() < AccountService.MIN_PASSWORD_LENGTH) {
                throw new IllegalStateException("PGFLEET_ADMIN_PASSWORD needs at least " + AccountService.MIN_PASSWORD_LENGTH + " characters");
            }
            if (accounts.setAdminPasswordIfUnset(configuredPassword.strip())) {
                log.info("set the dashboard password of user admin from PGFLEET_ADMIN_PASSWORD");
            }
            return;
        }
        String password = Tokens.newPassword();
        if (!accounts.setAdminPasswordIfUnset(password)) {
            return;
        }
        Path file = properties.resolvedHome().resolve("admin-password");
        writePrivateFile(file, password);
        // Printed this once: the person who started pgfleet signs in with it (and can change it in the dashboard).
        System.out.println();
        System.out.println("pgfleet dashboard: sign in as user 'admin' with password " + password + "   (also in " + file + ")");
    }

    private void createAdminTenantIfMissing() {
        if (tenants.adminExists()) {
            return;
        }
        if (settings.adminTokenSupplied()) {
            String configured = settings.adminToken();
            // The operator holds this token already (e.g. in a Kubernetes Secret): not written anywhere else.
            tenants.createTenant(TenantService.ADMIN_TENANT, true, configured.strip());
            log.info("created the admin tenant with the token from PGFLEET_ADMIN_TOKEN");
            return;
        }
        TenantService.CreatedTenant admin = tenants.createTenant(TenantService.ADMIN_TENANT, true);
        Path file = properties.resolvedHome().resolve("admin-token");
        writePrivateFile(file, admin.token());
        log.info("created the admin tenant; its API token is in {}", file);
        // Printed this once, like the dashboard password: the console of the very first start, not the log.
        System.out.println();
        System.out.println("pgfleet API: the admin token is " + admin.token() + "   (also in " + file + "; shown only this once)");
    }

    private static void writePrivateFile(Path file, String secret) {
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, secret + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
