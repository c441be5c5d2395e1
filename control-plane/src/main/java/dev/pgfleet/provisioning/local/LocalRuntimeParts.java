package dev.pgfleet.provisioning.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.provisioning.PatroniRest;
import dev.pgfleet.provisioning.PgBouncerConsole;
import dev.pgfleet.system.PgfleetProperties;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.system.process.PostgresInstallations;
import java.net.http.HttpClient;
import java.time.Duration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The parts the local runtime is composed of, as beans: each is built once here from the local settings and
 * injected where it is used, so LocalRuntime only composes them (and a test can build any part alone).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "local", matchIfMissing = true)
class LocalRuntimeParts {
    /** Patroni's namespace in the shared etcd: every database is one scope below it. */
    static final String NAMESPACE = "/pgfleet/";

    @Bean
    LocalLayout localLayout(PgfleetProperties properties) {
        return new LocalLayout(properties.resolvedHome());
    }

    /** Short connect timeouts: every peer is on this machine, and a dead one must not stall a reconcile pass. */
    @Bean
    PatroniRest localPatroniRest(ObjectMapper json) {
        return new PatroniRest(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build(), json);
    }

    @Bean
    PgBouncerConsole localPgBouncerConsole(LocalProcesses processes) {
        return new PgBouncerConsole(processes);
    }

    /** The root password lives next to master.key, outside etcd's directory (which the data-plane user owns). */
    @Bean
    EtcdServer localEtcd(LocalRuntimeProperties settings, LocalLayout layout, LocalProcesses processes, ObjectMapper json) {
        return new EtcdServer(layout.etcdDir(), "127.0.0.1", settings.portRangeEnd() - 1, processes,
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build(), json, layout.home().resolve("etcd-root.password"));
    }

    @Bean
    EtcdAuthGate localEtcdAuthGate(EtcdServer etcd, LocalMetadata metadata) {
        return new EtcdAuthGate(etcd, metadata::findScopesNotBeingDeleted);
    }

    @Bean
    PatroniMembers localPatroniMembers(LocalRuntimeProperties settings, LocalLayout layout, LocalProcesses processes,
                                       PatroniRest localPatroniRest, PostgresInstallations installations) {
        return new PatroniMembers(layout, processes, localPatroniRest, settings.listenAddress(), settings.advertiseHost(),
                installations::binDir, LocalTrustedNetworks.of(settings.listenAddress(), settings.advertiseHost()));
    }

    @Bean
    PgBouncerPooler localPooler(LocalRuntimeProperties settings, LocalLayout layout, LocalProcesses processes, PgBouncerConsole console) {
        return new PgBouncerPooler(layout, processes, console, settings.listenAddress(), settings.advertiseHost());
    }

    @Bean
    ReadOnlyPooler localReadOnlyPooler(LocalRuntimeProperties settings, LocalLayout layout, LocalProcesses processes,
                                       PgBouncerConsole console) {
        return new ReadOnlyPooler(layout, processes, console, settings.listenAddress(), settings.advertiseHost());
    }

    /** The last two ports of the range are etcd's (client and peer). */
    @Bean
    PortLeases localPortLeases(LocalRuntimeProperties settings, JdbcTemplate jdbc) {
        return new PortLeases(jdbc, settings.listenAddress(), settings.portRangeStart(), settings.portRangeEnd() - 2);
    }
}
