package dev.pgfleet.system.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.system.process.DataPlaneUser;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.system.process.PostgresInstallations;
import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.DataPlaneProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** PGFLEET_DB_URL/USER/PASSWORD point the control plane at an external metadata database instead of its own. */
@Tag("integration")
class ExternalMetadataStoreIntegrationTest {

    @Test
    void anExternalMetadataDatabaseIsUsedAndNoEmbeddedOneIsStarted() throws Exception {
        Path externalDir = Files.createTempDirectory(Path.of("/tmp"), "pgfleet-external-");
        Files.setPosixFilePermissions(externalDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        PostgresInstallations installations = new PostgresInstallations(Path.of("/usr/lib/postgresql"), Path.of("/usr/share/postgresql"));
        // A separate PostgreSQL instance stands in for the operator's external database.
        EmbeddedMetadataStore external = new EmbeddedMetadataStore(externalDir, installations.newestBinDir(),
                new LocalProcesses(DataPlaneUser.forCurrentProcess("pgfleet")), "postgres");
        try {
            EmbeddedMetadataStore.Connection c = external.startIfNeeded();
            try (ControlPlane cp = ControlPlane.start(Map.of(
                    "pgfleet.db.url", c.url(), "pgfleet.db.user", c.user(), "pgfleet.db.password", c.password()))) {
                cp.createTenant("external-tenant");

                assertThat(cp.home().resolve("metadata")).as("no embedded metadata store").doesNotExist();
                List<String> tenants = new ArrayList<>();
                try (var conn = DriverManager.getConnection(c.url(), c.user(), c.password());
                     ResultSet rs = conn.createStatement().executeQuery("select name from tenants order by name")) {
                    while (rs.next()) {
                        tenants.add(rs.getString(1));
                    }
                }
                assertThat(tenants).containsExactly("admin", "external-tenant");
            }
        } finally {
            external.stop();
            DataPlaneProcesses.deleteRecursively(externalDir);
        }
    }
}
