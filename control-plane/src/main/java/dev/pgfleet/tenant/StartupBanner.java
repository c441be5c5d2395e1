package dev.pgfleet.tenant;

import dev.pgfleet.system.PgfleetProperties;
import java.nio.file.Path;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Tells the person who started the control plane where it is and where its credentials are (never the credentials). */
@Component
class StartupBanner {
    private final PgfleetProperties properties;
    private final TenantProperties settings;

    StartupBanner(PgfleetProperties properties, TenantProperties settings) {
        this.properties = properties;
        this.settings = settings;
    }

    @EventListener
    void onReady(ApplicationReadyEvent event) {
        if (!(event.getApplicationContext() instanceof WebServerApplicationContext web)) {
            return;
        }
        int port = web.getWebServer().getPort();
        Path tokenFile = properties.resolvedHome().resolve("admin-token");
        // Never the token itself: it was printed once, when it was generated; from then on, where it is.
        boolean supplied = settings.adminTokenSupplied();
        String token = supplied ? "the one you supplied in PGFLEET_ADMIN_TOKEN" : "in " + tokenFile;
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
