package dev.pgfleet.system.metadata;

import com.zaxxer.hikari.HikariDataSource;
import dev.pgfleet.system.PgfleetProperties;
import dev.pgfleet.system.process.DataPlaneUser;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.system.process.PostgresInstallations;
import dev.pgfleet.system.process.ProcessProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The metadata database: the external one when PGFLEET_DB_URL is set, else the embedded instance under
 * PGFLEET_HOME, started before the connection pool (and so before Flyway and JPA) needs it.
 */
@Configuration(proxyBeanMethods = false)
class MetadataStoreConfig {

    @Bean(destroyMethod = "stop")
    @org.springframework.context.annotation.Lazy
    EmbeddedMetadataStore embeddedMetadataStore(PgfleetProperties properties, ProcessProperties local, LocalProcesses dataPlane,
                                                PostgresInstallations installations) {
        LocalProcesses own = new LocalProcesses(DataPlaneUser.forCurrentProcess(local.metadataOsUser()));
        return new EmbeddedMetadataStore(createHome(properties.resolvedHome()), installations.newestBinDir(), own,
                dataPlane.user().name());
    }

    @Bean
    DataSource dataSource(PgfleetProperties properties, ObjectProvider<EmbeddedMetadataStore> embedded) {
        HikariDataSource ds = new HikariDataSource();
        if (properties.db().external()) {
            ds.setJdbcUrl(properties.db().url());
            ds.setUsername(properties.db().user());
            ds.setPassword(properties.db().password());
        } else {
            EmbeddedMetadataStore.Connection c = embedded.getObject().startIfNeeded();
            ds.setJdbcUrl(c.url());
            ds.setUsername(c.user());
            ds.setPassword(c.password());
        }
        ds.setPoolName("metadata");
        ds.setMaximumPoolSize(10);
        return ds;
    }

    private static Path createHome(Path home) {
        try {
            Files.createDirectories(home);
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create PGFLEET_HOME " + home, e);
        }
    }
}
