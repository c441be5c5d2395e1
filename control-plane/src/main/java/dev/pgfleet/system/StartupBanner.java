package dev.pgfleet.system;

import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Tells the person who started the control plane where it is and how to authenticate. */
@Component
class StartupBanner {
    private final PgfleetProperties properties;

    StartupBanner(PgfleetProperties properties) {
        this.properties = properties;
    }

    @EventListener
    void onReady(ApplicationReadyEvent event) throws java.io.IOException {
        if (!(event.getApplicationContext() instanceof WebServerApplicationContext web)) {
            return;
        }
        int port = web.getWebServer().getPort();
        Path tokenFile = properties.resolvedHome().resolve("admin-token");
        // Only a token pgfleet generated is shown; one the operator supplied (a Kubernetes Secret) stays out of logs.
        boolean supplied = properties.adminToken() != null && !properties.adminToken().isBlank();
        String token = supplied ? "(the one you supplied in PGFLEET_ADMIN_TOKEN)"
                : Files.isReadable(tokenFile) ? Files.readString(tokenFile).strip() + "   (also in " + tokenFile + ")"
                : "(see " + tokenFile + ")";
        System.out.println();
        System.out.println("pgfleet control plane is up");
        System.out.println("  Dashboard:    http://localhost:" + port + "   (user admin; password in "
                + properties.resolvedHome().resolve("admin-password") + " unless set by PGFLEET_ADMIN_PASSWORD)");
        System.out.println("  API docs:     http://localhost:" + port + "/swagger-ui.html");
        System.out.println("  Admin token:  " + token);
        System.out.println("  State:        " + properties.resolvedHome());
        System.out.println();
    }
}
