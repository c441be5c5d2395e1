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

    @Test
    void projectedFilesMemoryVolumesFsGroupDnsAndTheTerminationMessageAreWhatTheKubeletWouldGive() {
        Path hosts = Path.of("/srv/dns/hosts");
        PodmanPodPlan.Cluster cluster = new PodmanPodPlan.Cluster("pgfleet-test", "10.89.0.12", "pgfleet", CLUSTER.secrets(),
                CLUSTER.configMaps(), CLUSTER.claims(), CLUSTER.scratch(), hosts);
        Pod pooler = new PodBuilder().withNewMetadata().withName("pooler-1").endMetadata().withNewSpec()
                .withNewSecurityContext().withRunAsUser(999L).withRunAsGroup(999L).withFsGroup(999L).withRunAsNonRoot(true).endSecurityContext()
                .addNewVolume().withName("config").withNewProjected().withDefaultMode(0440)
                .addNewSource().withNewConfigMap().withName("shop-config").addNewItem().withKey("pgbouncer.ini").withPath("pgbouncer.ini")
                .endItem().endConfigMap().endSource()
                .addNewSource().withNewSecret().withName("shop").addNewItem().withKey("superuser-password").withPath("userlist.txt")
                .endItem().endSecret().endSource()
                .endProjected().endVolume()
                .addNewVolume().withName("dshm").withNewEmptyDir().withMedium("Memory").endEmptyDir().endVolume()
                .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName("pgdata-shop-0").endPersistentVolumeClaim()
                .endVolume()
                .addNewContainer().withName("pgbouncer").withImage("pgfleet/dataplane:1").withArgs("pgbouncer", "/etc/pgbouncer/pgbouncer.ini")
                .addNewVolumeMount().withName("config").withMountPath("/etc/pgbouncer").withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("dshm").withMountPath("/dev/shm").endVolumeMount()
                .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount()
                .endContainer().endSpec().build();

        PodmanPodPlan plan = PodmanPodPlan.plan(pooler, cluster);

        assertThat(plan.commands().get(0)).contains("--no-hosts");
        Path config = Path.of("/srv/scratch/pooler-1/volumes/config");
        assertThat(plan.files()).containsOnlyKeys(config.resolve("pgbouncer.ini"), config.resolve("userlist.txt"));
        assertThat(plan.access().get(config.resolve("userlist.txt"))).isEqualTo(new PodmanPodPlan.Access(false, 0440, 999L));
        assertThat(plan.access().get(Path.of("/srv/claims/pgdata-shop-0"))).isEqualTo(new PodmanPodPlan.Access(true, 02775, 999L));
        Path termination = PodmanPodPlan.terminationMessageFile(Path.of("/srv/scratch"), "pooler-1", "pgbouncer");
        assertThat(plan.access().get(termination)).isEqualTo(new PodmanPodPlan.Access(false, 0666, null));
        assertThat(plan.commands().get(1))
                .containsSubsequence("--user", "999:999", "--group-add", "999")
                .containsSubsequence("--tmpfs", "/dev/shm:rw,mode=1777")
                .contains(config + ":/etc/pgbouncer:ro", hosts + ":/etc/hosts:ro", termination + ":/dev/termination-log:rw");

        Pod sized = new PodBuilder(pooler).editSpec().editContainer(0).withNewResources()
                .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("128Mi"))
                .addToLimits("cpu", new io.fabric8.kubernetes.api.model.Quantity("1500m"))
                .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("100m")).endResources().endContainer().endSpec().build();
        assertThat(PodmanPodPlan.plan(sized, cluster).commands().get(1))
                .containsSubsequence("--memory", "134217728").containsSubsequence("--cpus", "1.5").containsSubsequence("--cpu-shares", "102");
        Pod startup = new PodBuilder(pooler).editSpec().editContainer(0).withNewStartupProbe().withNewTcpSocket()
                .withPort(new IntOrString(6432)).endTcpSocket().endStartupProbe().endContainer().endSpec().build();
        assertThatThrownBy(() -> PodmanPodPlan.plan(startup, cluster)).hasMessageContaining("startupProbe");
        Pod unconfined = new PodBuilder(pooler).editSpec().editSecurityContext().withNewSeccompProfile().withType("Unconfined")
                .endSeccompProfile().endSecurityContext().endSpec().build();
        assertThatThrownBy(() -> PodmanPodPlan.plan(unconfined, cluster)).hasMessageContaining("seccomp");

        Pod optional = new PodBuilder(pooler).editSpec().addNewVolume().withName("state").withNewConfigMap().withName("not-yet")
                .withOptional(true).endConfigMap().endVolume().editContainer(0).addNewVolumeMount().withName("state")
                .withMountPath("/etc/state").endVolumeMount().endContainer().endSpec().build();
        PodmanPodPlan withOptional = PodmanPodPlan.plan(optional, cluster);
        assertThat(withOptional.access().get(Path.of("/srv/scratch/pooler-1/volumes/state")))
                .as("an optional ConfigMap that does not exist is an empty directory").isEqualTo(new PodmanPodPlan.Access(true, 0755, null));
        assertThat(withOptional.commands().get(1)).contains("/srv/scratch/pooler-1/volumes/state:/etc/state:ro");
        Pod required = new PodBuilder(optional).editSpec().editLastVolume().editConfigMap().withOptional(false).endConfigMap()
                .endVolume().endSpec().build();
        assertThatThrownBy(() -> PodmanPodPlan.plan(required, cluster)).hasMessageContaining("not-yet");

        Pod rootAllowedNot = new PodBuilder(pooler).editSpec().editSecurityContext().withRunAsUser(0L).endSecurityContext().endSpec().build();
        assertThatThrownBy(() -> PodmanPodPlan.plan(rootAllowedNot, cluster)).hasMessageContaining("non-root");
    }
}
