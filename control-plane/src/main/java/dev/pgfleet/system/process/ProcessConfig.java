package dev.pgfleet.system.process;

import dev.pgfleet.system.PgfleetProperties;
import java.nio.file.Path;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ProcessConfig {

    @Bean
    DataPlaneUser dataPlaneUser(PgfleetProperties properties, ProcessProperties local) {
        DataPlaneUser user = DataPlaneUser.forCurrentProcess(local.osUser());
        user.requireReachable(properties.resolvedHome());
        return user;
    }

    @Bean
    LocalProcesses localProcesses(DataPlaneUser user) {
        return new LocalProcesses(user);
    }

    @Bean
    PostgresInstallations postgresInstallations(ProcessProperties local) {
        return new PostgresInstallations(Path.of(local.postgresRoot()), Path.of(local.postgresShareRoot()));
    }
}
