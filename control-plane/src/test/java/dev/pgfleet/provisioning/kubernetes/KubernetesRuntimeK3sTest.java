package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.provisioning.ClusterObservation;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.image.ImageVersions;
import dev.pgfleet.testsupport.podman.ImageArchive;
import dev.pgfleet.testsupport.podman.Podman;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * A dev database on a real single-node k3s cluster, running the same images as the container-level tests: the
 * images {@code ./pgfleet images} built on this machine, saved with podman and imported by k3s at its start (no
 * registry involved). Needs a Docker engine (for k3s itself) and the built images, so it runs wherever those exist
 * and is reported as skipped, with the reason, elsewhere, such as on pgfleet's own CI machines (no Docker). The
 * control plane runs outside the cluster here, so the test checks what the API server and Patroni show: a leader
 * named after its pod, the pooler ready.
 */
@Testcontainers(disabledWithoutDocker = true)
class KubernetesRuntimeK3sTest {
    private static final String K3S_IMAGE = "rancher/k3s:v1.30.4-k3s1";

    @TempDir
    static Path work;

    static K3sContainer k3s;
    static String dataplaneImage;

    @BeforeAll
    static void startK3sWithPgfleetsImages() throws Exception {
        assumeTrue(Podman.available(), "podman is not installed: ./pgfleet images installs it and builds the images");
        dataplaneImage = "localhost/pgfleet/dataplane:" + ImageVersions.projectVersionFromPom();
        try (Podman podman = Podman.start(work.resolve("podman"))) {
            assumeTrue(podman.hasImage(dataplaneImage), dataplaneImage + " is not built: run ./pgfleet images");
            Path archive = ImageArchive.save(podman, work.resolve("pgfleet-images.tar"), List.of(dataplaneImage));
            k3s = new K3sContainer(DockerImageName.parse(K3S_IMAGE))
                    .withCopyFileToContainer(MountableFile.forHostPath(archive), ImageArchive.K3S_IMPORT_DIRECTORY + "pgfleet-images.tar");
            k3s.start();
        }
    }

    @AfterAll
    static void stopK3s() {
        if (k3s != null) {
            k3s.stop();
        }
    }

    @Test
    void provisionsADevDatabaseOnARealCluster() throws Exception {
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml())).build()) {
            KubernetesSettings defaults = KubernetesSettings.defaults();
            // k3s ships the local-path provisioner; its single node plays the NVMe node. Every pod runs the imported
            // data-plane image, under the name podman gave it.
            KubernetesSettings settings = new KubernetesSettings(defaults.namespace(), dataplaneImage, dataplaneImage,
                    dataplaneImage, "local-path", defaults.nvmeLabelKey(), defaults.nvmeLabelValue());
            client.nodes().list().getItems().forEach(n -> client.nodes().withName(n.getMetadata().getName())
                    .edit(node -> {
                        node.getMetadata().getLabels().put(settings.nvmeLabelKey(), settings.nvmeLabelValue());
                        return node;
                    }));
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(settings.namespace()).endMetadata().build())
                    .serverSideApply();
            KubernetesProperties properties = new KubernetesProperties(settings.namespace(), settings.storageClass(),
                    settings.nvmeLabelKey() + "=" + settings.nvmeLabelValue(), settings.patroniImage(), settings.pgbouncerImage(),
                    settings.etcdImage(), "delete", "pgfleet-leader", List.of(15), "cluster.local", null);
            // The control plane runs outside the cluster here: it reaches the shared etcd through a port-forward.
            // One node cannot hold three etcd members with their required anti-affinity: the test starts the shared etcd
            // without it. The runtime's own apply later restores it; the StatefulSet then recreates one member, which
            // stays Pending, while the other two keep the quorum.
            for (io.fabric8.kubernetes.api.model.HasMetadata o : dev.pgfleet.blueprint.kubernetes.KubernetesBlueprint.sharedEtcd(settings)) {
                if (o instanceof io.fabric8.kubernetes.api.model.apps.StatefulSet sts) {
                    sts.getSpec().getTemplate().getSpec().getAffinity().setPodAntiAffinity(null);
                }
                client.resource(o).inNamespace(settings.namespace()).fieldManager("pgfleet").forceConflicts().serverSideApply();
            }
            client.pods().inNamespace(settings.namespace()).withName(KubernetesNames.etcdPodName(0))
                    .waitUntilCondition(p -> p != null && p.getStatus() != null && "Running".equals(p.getStatus().getPhase()),
                            5, java.util.concurrent.TimeUnit.MINUTES);
            var etcdForward = client.pods().inNamespace(settings.namespace()).withName(KubernetesNames.etcdPodName(0)).portForward(2379);
            KubernetesRuntime runtime = new KubernetesRuntime(client, settings, properties, new ObjectMapper(),
                new dev.pgfleet.system.process.LocalProcesses(dev.pgfleet.system.process.DataPlaneUser.forCurrentProcess("postgres")),
                new KubernetesEtcd(client, settings, java.net.http.HttpClient.newHttpClient(), new ObjectMapper(),
                        java.net.URI.create("http://127.0.0.1:" + etcdForward.getLocalPort())), databaseId -> false);
            UUID id = UUID.randomUUID();
            ClusterSpec spec = new ClusterSpec(id.toString(), "shop", Plan.DEV, 15);
            DesiredCluster desired = new DesiredCluster(id, spec, new ClusterSecrets("su-pw", "repl-pw", "rest-pw", "dcs-pw"), "owner-pw",
                    "SCRAM-SHA-256$4096:c2FsdA==$a:b", "admin-pw", "SCRAM-SHA-256$4096:c2FsdA==$c:d",
                    List.of(new DesiredCluster.MemberSlot(0, KubernetesNames.podName(spec, 0), 5432, 8008)), 5432, null);

            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            ClusterObservation obs = runtime.observeCluster(desired);
            while ((obs.leader().isEmpty() || !obs.poolerRunning()) && System.nanoTime() < deadline) {
                try {
                    runtime.ensureMembers(desired); // fails until the shared etcd has a quorum
                } catch (IllegalStateException e) {
                    // retried, as the reconciler would
                }
                Thread.sleep(5000);
                obs = runtime.observeCluster(desired);
            }
            assertThat(obs.leader()).as("a Patroni leader on k3s, named after its pod: " + obs).contains(KubernetesNames.podName(spec, 0));
            assertThat(obs.poolerRunning()).isTrue();
            assertThat(obs.members()).singleElement().satisfies(m -> assertThat(m.state()).isEqualTo("running"));

            runtime.deleteCluster(desired);
            etcdForward.close();
            assertThat(client.apps().statefulSets().inNamespace(settings.namespace())
                    .withName(KubernetesNames.statefulSet(spec)).get()).isNull();
        }
    }
}
