package dev.pgfleet.testsupport.podman;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pod-spec-to-podman translation: every field it honours, and a refusal for what it cannot. */
class PodmanPodPlanTest {
    private static final PodmanPodPlan.Cluster CLUSTER = new PodmanPodPlan.Cluster("pgfleet-test", "10.89.0.11", "pgfleet",
            Map.of("shop", Map.of("patroni.yml", "scope: x\n".getBytes(StandardCharsets.UTF_8),
                    "superuser-password", "s3cret".getBytes(StandardCharsets.UTF_8))),
            Map.of("shop-config", Map.of("pgbouncer.ini", "[databases]\n")),
            Map.of("pgdata-shop-0", Path.of("/srv/claims/pgdata-shop-0")), Path.of("/srv/scratch"));

    private static Pod member() {
        return new PodBuilder().withNewMetadata().withName("shop-0").endMetadata()
                .withNewSpec()
                .withNewSecurityContext().withRunAsUser(101L).withRunAsGroup(103L).endSecurityContext()
                .addNewVolume().withName("config").withNewSecret().withSecretName("shop")
                .addNewItem().withKey("patroni.yml").withPath("patroni.yml").endItem().endSecret().endVolume()
                .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName("pgdata-shop-0").endPersistentVolumeClaim()
                .endVolume()
                .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewInitContainer().withName("init").withImage("pgfleet/dataplane:1").withCommand("chmod", "0700", "/data")
                .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount().endInitContainer()
                .addNewContainer().withName("postgres").withImage("pgfleet/dataplane:1")
                .withCommand("patroni").withArgs("/etc/patroni/patroni.yml", "--name=$(POD_NAME)")
                .addNewEnv().withName("POD_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef()
                .endValueFrom().endEnv()
                .addNewEnv().withName("POD_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP").endFieldRef()
                .endValueFrom().endEnv()
                .addNewEnv().withName("PGPASSWORD").withNewValueFrom().withNewSecretKeyRef("superuser-password", "shop", false)
                .endValueFrom().endEnv()
                .addNewEnv().withName("PLAIN").withValue("yes").endEnv()
                .addNewVolumeMount().withName("config").withMountPath("/etc/patroni").endVolumeMount()
                .addNewVolumeMount().withName("data").withMountPath("/home/postgres/pgdata").withSubPath("pg").endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .addNewPort().withName("rest").withContainerPort(8008).endPort()
                .withNewReadinessProbe().withNewHttpGet().withPath("/readiness").withPort(new IntOrString("rest")).endHttpGet()
                .withPeriodSeconds(2).endReadinessProbe()
                .withNewSecurityContext().withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .endContainer()
                .endSpec().build();
    }

    @Test
    void aMemberPodBecomesAPodmanPodWithItsContainersAsTheSpecSays() {
        PodmanPodPlan plan = PodmanPodPlan.plan(member(), CLUSTER);

        assertThat(plan.commands().get(0)).containsExactly("pod", "create", "--name", "shop-0", "--hostname", "shop-0",
                "--network", "pgfleet-test", "--ip", "10.89.0.11", "--infra-name", "shop-0-infra");
        assertThat(plan.initContainers()).containsExactly("shop-0-init");
        assertThat(plan.commands().get(1)).containsSubsequence("run", "--pod", "shop-0", "--name", "shop-0-init", "--rm")
                .contains("--volume", "/srv/claims/pgdata-shop-0:/data:rw", "--user", "101:103")
                .containsSubsequence("--entrypoint", "[\"chmod\",\"0700\",\"/data\"]", "pgfleet/dataplane:1");
        List<String> postgres = plan.commands().get(2);
        assertThat(postgres).containsSubsequence("run", "--pod", "shop-0", "--name", "shop-0-postgres", "--detach")
                .contains("--read-only", "no-new-privileges", "all")
                .contains("POD_NAME=shop-0", "POD_IP=10.89.0.11", "PGPASSWORD=s3cret", "PLAIN=yes")
                .contains("/srv/scratch/shop-0/volumes/config:/etc/patroni:ro",
                        "/srv/claims/pgdata-shop-0/pg:/home/postgres/pgdata:rw",
                        "/srv/scratch/shop-0/volumes/tmp:/tmp:rw")
                .endsWith("--entrypoint", "[\"patroni\"]", "pgfleet/dataplane:1", "/etc/patroni/patroni.yml", "--name=shop-0");
        assertThat(plan.files()).containsOnlyKeys(Path.of("/srv/scratch/shop-0/volumes/config/patroni.yml"));
        assertThat(new String(plan.files().get(Path.of("/srv/scratch/shop-0/volumes/config/patroni.yml")), StandardCharsets.UTF_8))
                .isEqualTo("scope: x\n");

        Probes.Check readiness = Probes.readiness(member().getSpec().getContainers().get(0), "10.89.0.11", "shop-0-postgres").orElseThrow();
        assertThat(readiness.httpUrl()).isEqualTo("http://10.89.0.11:8008/readiness");
        assertThat(readiness.periodSeconds()).isEqualTo(2);
    }

    @Test
    void whatTheHarnessCannotHonourIsRefusedNotIgnored() {
        Pod privileged = new PodBuilder(member()).editSpec().editContainer(0).editSecurityContext().withPrivileged(true)
                .endSecurityContext().endContainer().endSpec().build();
        Pod hostPath = new PodBuilder(member()).editSpec().addNewVolume().withName("host").withNewHostPath().withPath("/")
                .endHostPath().endVolume().endSpec().build();
        Pod unknownField = new PodBuilder(member()).editSpec().editContainer(0).addNewEnv().withName("NODE")
                .withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName").endFieldRef().endValueFrom().endEnv()
                .endContainer().endSpec().build();
        Pod missingSecret = new PodBuilder(member()).editSpec().editContainer(0).addNewEnv().withName("X").withNewValueFrom()
                .withNewSecretKeyRef("nope", "shop", false).endValueFrom().endEnv().endContainer().endSpec().build();

        assertThatThrownBy(() -> PodmanPodPlan.plan(privileged, CLUSTER)).hasMessageContaining("privileged");
        assertThatThrownBy(() -> PodmanPodPlan.plan(hostPath, CLUSTER)).hasMessageContaining("does not run");
        assertThatThrownBy(() -> PodmanPodPlan.plan(unknownField, CLUSTER)).hasMessageContaining("spec.nodeName");
        assertThatThrownBy(() -> PodmanPodPlan.plan(missingSecret, CLUSTER)).hasMessageContaining("no key nope");
    }
}
