package dev.pgfleet.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.operation.OperationProperties;
import dev.pgfleet.provisioning.ReconcileProperties;
import dev.pgfleet.provisioning.kubernetes.KubernetesProperties;
import dev.pgfleet.provisioning.local.LocalRuntimeProperties;
import dev.pgfleet.system.process.ProcessProperties;
import dev.pgfleet.tenant.TenantProperties;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/**
 * Every feature's {@code @ConfigurationProperties} bound from the shipped application.yml, the way the application
 * binds them (scanned, validated), with no other bean: the defaults hold, operators' names reach the right feature,
 * and a value out of its range stops the start.
 */
class ConfigurationPropertiesTest {
    @Configuration(proxyBeanMethods = false)
    @ConfigurationPropertiesScan("dev.pgfleet")
    static class AllProperties {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withInitializer(new ConfigDataApplicationContextInitializer())
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(AllProperties.class);

    @Test
    void theDefaultApplicationYmlBindsEveryFeature() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            PgfleetProperties installation = context.getBean(PgfleetProperties.class);
            assertThat(installation.runtime()).isEqualTo("local");
            assertThat(installation.maxRequestBody()).isEqualTo(DataSize.ofMegabytes(1));
            assertThat(installation.db().external()).isFalse();

            assertThat(context.getBean(TenantProperties.class).databaseQuota()).isEqualTo(10);
            assertThat(context.getBean(TenantProperties.class).adminTokenSupplied()).isFalse();
            ReconcileProperties reconcile = context.getBean(ReconcileProperties.class);
            assertThat(reconcile.resyncInterval()).isEqualTo(Duration.ofSeconds(5));
            assertThat(reconcile.provisioningDeadline()).isEqualTo(Duration.ofMinutes(5));
            assertThat(reconcile.workers()).isEqualTo(4);
            LocalRuntimeProperties local = context.getBean(LocalRuntimeProperties.class);
            assertThat(local.portRangeStart()).isEqualTo(20000);
            assertThat(local.portRangeEnd()).isEqualTo(29999);
            assertThat(context.getBean(ProcessProperties.class).metadataOsUser()).isEqualTo("pgfleet");
            KubernetesProperties kubernetes = context.getBean(KubernetesProperties.class);
            assertThat(kubernetes.namespace()).isEqualTo("pgfleet");
            assertThat(kubernetes.nvmeLabelKey()).isEqualTo("pgfleet.dev/storage");
            assertThat(kubernetes.postgresVersions()).isEqualTo(List.of(15));
            assertThat(kubernetes.etcdUrl()).isNull();
            assertThat(context.getBean(OperationProperties.class).historyRetention()).isEqualTo(Duration.ofDays(90));
        });
    }

    @Test
    void operatorsKeepTheirPropertyNames() {
        runner.withPropertyValues("pgfleet.database-quota=2", "pgfleet.admin-token=pgf_0123456789abcdef0123456789abcdef",
                        "pgfleet.max-request-body=2MB", "pgfleet.local.os-user=dataplane", "pgfleet.local.port-range-start=30000",
                        "pgfleet.local.port-range-end=30999", "pgfleet.reconcile.workers=8", "pgfleet.kubernetes.etcd-url=http://127.0.0.1:2379")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(TenantProperties.class).databaseQuota()).isEqualTo(2);
                    assertThat(context.getBean(TenantProperties.class).adminTokenSupplied()).isTrue();
                    assertThat(context.getBean(PgfleetProperties.class).maxRequestBody()).isEqualTo(DataSize.ofMegabytes(2));
                    assertThat(context.getBean(ProcessProperties.class).osUser()).isEqualTo("dataplane");
                    assertThat(context.getBean(LocalRuntimeProperties.class).portRangeStart()).isEqualTo(30000);
                    assertThat(context.getBean(ReconcileProperties.class).workers()).isEqualTo(8);
                    assertThat(context.getBean(KubernetesProperties.class).etcdUrl()).isEqualTo("http://127.0.0.1:2379");
                });
    }

    @Test
    void aValueOutOfItsRangeStopsTheStart() {
        for (String bad : new String[] {"pgfleet.reconcile.workers=0", "pgfleet.local.port-range-end=20005",
                "pgfleet.local.metadata-os-user=postgres", "pgfleet.runtime=docker", "pgfleet.database-quota=-1",
                "pgfleet.kubernetes.pvc-retention=forever", "pgfleet.reconcile.resync-interval=0s",
                "pgfleet.operations.history-retention=12h"}) {
            runner.withPropertyValues(bad).run(context -> assertThat(context).as(bad).hasFailed()
                    .getFailure().rootCause().hasMessageContaining(bad.substring(0, bad.indexOf('=')).replaceAll(".*\\.", "")));
        }
    }
}
