package dev.pgfleet.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgfleet.testsupport.podman.Podman;
import dev.pgfleet.testsupport.podman.PodmanPodPlan;
import dev.pgfleet.testsupport.podman.Probes;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The podman harness end to end on the data-plane image: a pod spec (etcd, as the shared etcd's pods run it: the
 * pod's address from the downward API, a data emptyDir, non-root, read-only root filesystem, every capability
 * dropped) becomes a podman pod on an internal network of the test's own, and its readiness probe, run by the test
 * as the kubelet would, passes from the host. Skipped, with the reason, where podman or the image is missing
 * ({@code ./pgfleet images} builds it, and {@code ./pgfleet test} runs that before the suite).
 */
@Tag("integration")
class PodmanHarnessContainerTest {
    @TempDir
    Path work;

    @Test
    void aPodSpecRunsUnderPodmanAndItsProbePassesFromTheHost() throws Exception {
        assumeTrue(Podman.available(), "podman and runc are not installed: ./pgfleet images installs them");
        String image = "localhost/pgfleet/dataplane:" + ImageVersions.projectVersionFromPom();
        int net = 100 + ThreadLocalRandom.current().nextInt(100);
        String network = "pgfleet-harness-" + net;
        String podIp = "10.89." + net + ".11";
        try (Podman podman = Podman.start(work.resolve("podman"))) {
            assumeTrue(podman.hasImage(image), image + " is not built: run ./pgfleet images");
            podman.createNetwork(network, "10.89." + net + ".0/24", "10.89." + net + ".1/24");
            Pod pod = new PodBuilder().withNewMetadata().withName("etcd-0").endMetadata().withNewSpec()
                    .addNewVolume().withName("data").withNewEmptyDir().endEmptyDir().endVolume()
                    .addNewContainer().withName("etcd").withImage(image)
                    .withArgs("etcd", "--name", "$(POD_NAME)", "--data-dir", "/var/lib/etcd/data",
                            "--listen-client-urls", "http://0.0.0.0:2379", "--advertise-client-urls", "http://$(POD_IP):2379")
                    .addNewEnv().withName("POD_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
                    .endFieldRef().endValueFrom().endEnv()
                    .addNewEnv().withName("POD_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP")
                    .endFieldRef().endValueFrom().endEnv()
                    .addNewVolumeMount().withName("data").withMountPath("/var/lib/etcd").endVolumeMount()
                    .addNewPort().withName("client").withContainerPort(2379).endPort()
                    .withNewReadinessProbe().withNewHttpGet().withPath("/health").withPort(new IntOrString("client"))
                    .endHttpGet().withPeriodSeconds(1).endReadinessProbe()
                    .withNewSecurityContext().withRunAsUser(999L).withRunAsGroup(999L).withReadOnlyRootFilesystem(true)
                    .withAllowPrivilegeEscalation(false).withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                    .endContainer().endSpec().build();
            PodmanPodPlan plan = PodmanPodPlan.plan(pod, new PodmanPodPlan.Cluster(network, podIp, "pgfleet", Map.of(), Map.of(),
                    Map.of(), work.resolve("pods")));
            // The emptyDir is a host directory the pod's user must be able to write, as the kubelet would make it.
            java.nio.file.Files.createDirectories(work.resolve("pods").resolve("etcd-0").resolve("volumes").resolve("data"));
            java.nio.file.Files.setPosixFilePermissions(work.resolve("pods").resolve("etcd-0").resolve("volumes").resolve("data"),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            java.nio.file.Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));

            podman.startPod(plan);

            Probes.Check readiness = Probes.readiness(pod.getSpec().getContainers().get(0), podIp, "etcd-0-etcd").orElseThrow();
            assertThat(readiness.httpUrl()).isEqualTo("http://" + podIp + ":2379/health");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            String body = "";
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && !body.contains("true")) {
                try {
                    body = http.send(HttpRequest.newBuilder(URI.create(readiness.httpUrl())).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                } catch (java.io.IOException notYet) {
                    Thread.sleep(200);
                }
            }
            assertThat(body).as(podman.logs("etcd-0-etcd")).contains("\"health\":\"true\"");
            assertThat(podman.exec("etcd-0-etcd", java.util.List.of("id", "-u"), Duration.ofSeconds(10)).output().strip())
                    .as("the pod spec's user").isEqualTo("999");
        }
    }
}
