package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.TlsMaterial;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.blueprint.kubernetes.TlsObjects;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.testsupport.kubernetes.ChartRbac;
import dev.pgfleet.testsupport.kubernetes.RecordingDispatcher;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes side of TLS against fabric8's mock API server in CRUD mode (server-side apply emulated), with a real
 * shared etcd and real certificates made for the test: the TLS Secret, its mounts, its update on renewal without a
 * change to the members' StatefulSet, and the certificate's names. Every request of the runtime is checked against the
 * chart's RBAC after each test.
 */
class KubernetesTlsMockTest {
    private static KubernetesMockServer server;
    private static RecordingDispatcher dispatcher;
    /** The test's own client (looks, plays the cluster); the runtime uses {@link #controlPlane}. */
    private static KubernetesClient client;
    private static KubernetesClient controlPlane;
    private static dev.pgfleet.provisioning.TestEtcd etcd;
    private static final TestCertificates CA = new TestCertificates("pgfleet test CA");

    private final KubernetesSettings settings = KubernetesSettings.defaults();

    @BeforeAll
    static void startMockServer() throws Exception {
        etcd = dev.pgfleet.provisioning.TestEtcd.start();
        dispatcher = new RecordingDispatcher();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        client = RecordingDispatcher.clusterClient(server);
        controlPlane = server.createClient();
    }

    @AfterAll
    static void stopMockServer() throws Exception {
        etcd.close();
        client.close();
        controlPlane.close();
        server.destroy();
    }

    @AfterEach
    void everyRequestOfTheRuntimeIsOneTheChartAllows() {
        ChartRbac.assertAllowed(ChartRbac.installedAs("pgfleet", settings.controlPlaneNamespace(), settings.namespace()),
                dispatcher.drain());
    }

    @Test
    void aTlsIdentityBecomesAKubernetesTlsSecretThatEveryMemberAndPoolerPodMountsAsADirectory() {
        DesiredCluster ha = desired(Plan.HA);
        KubernetesRuntime runtime = runtime("cluster.local");
        TlsMaterial tls = CA.issue(runtime.serverCertificateNames(ha));
        DesiredCluster desired = ha.withTls(tls);

        runtime.ensureMembers(desired);

        Secret secret = tlsSecret(desired);
        assertThat(secret).as("the TLS Secret was applied").isNotNull();
        assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
        assertThat(decoded(secret)).containsOnlyKeys("ca.crt", "tls.crt", "tls.key")
                .containsEntry("ca.crt", tls.caCertificatePem())
                .containsEntry("tls.crt", tls.certificatePem())
                .containsEntry("tls.key", tls.privateKeyPem());
        assertThat(secret.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getName()).isEqualTo(KubernetesNames.root(desired.spec())));
        for (PodSpec pod : List.of(statefulSet(desired).getSpec().getTemplate().getSpec(),
                deployment(desired).getSpec().getTemplate().getSpec())) {
            assertThat(pod.getVolumes()).anySatisfy(v -> {
                assertThat(v.getSecret()).isNotNull();
                assertThat(v.getSecret().getSecretName()).isEqualTo(KubernetesNames.tlsSecret(desired.spec()));
                assertThat(v.getSecret().getDefaultMode()).isEqualTo(0440);
            });
            assertThat(pod.getContainers().get(0).getVolumeMounts()).anySatisfy(m -> {
                assertThat(m.getMountPath()).isEqualTo(TlsObjects.MOUNT);
                assertThat(m.getReadOnly()).isTrue();
                assertThat(m.getSubPath()).isNull();
            });
        }
    }

    /**
     * A renewal (a new certificate and key, same names) rewrites the TLS Secret and nothing a pod is made from: the
     * StatefulSet's spec and members' hash, and the Deployment's spec, are what they were, so no member or pooler
     * pod is rolled (the StatefulSet's revision, which MemberRollout rolls by, is a hash of its template).
     */
    @Test
    void aRenewalRewritesTheTlsSecretAndLeavesThePodTemplatesAndTheMembersHashAlone() {
        DesiredCluster ha = desired(Plan.HA);
        KubernetesRuntime runtime = runtime("cluster.local");
        DesiredCluster first = ha.withTls(CA.issue(runtime.serverCertificateNames(ha)));
        runtime.ensureMembers(first);
        StatefulSet stsBefore = statefulSet(first);
        Deployment poolerBefore = deployment(first);

        TlsMaterial renewed = CA.issue(runtime.serverCertificateNames(ha));
        assertThat(renewed.serial()).isNotEqualTo(first.tls().serial());
        DesiredCluster second = ha.withTls(renewed);
        runtime.ensureMembers(second);

        assertThat(decoded(tlsSecret(second))).containsEntry("tls.crt", renewed.certificatePem())
                .containsEntry("tls.key", renewed.privateKeyPem());
        StatefulSet stsAfter = statefulSet(second);
        assertThat(stsAfter.getSpec()).isEqualTo(stsBefore.getSpec());
        assertThat(stsAfter.getMetadata().getAnnotations()).isEqualTo(stsBefore.getMetadata().getAnnotations())
                .containsKey(KubernetesNames.SPEC_HASH_ANNOTATION);
        assertThat(deployment(second).getSpec()).isEqualTo(poolerBefore.getSpec());
    }

    /**
     * Every name a client or peer uses: each Service in its short, namespaced, .svc and fully qualified forms, each
     * member, and loopback (Patroni's own connections inside a member pod).
     */
    @Test
    void theCertificateNamesEveryServiceFormAndEveryMember() {
        DesiredCluster ha = desired(Plan.HA);
        ClusterSpec spec = ha.spec();
        String ns = settings.namespace();
        List<String> names = runtime("cluster.local").serverCertificateNames(ha);

        // ha: the pooler and the read-only pooler Services, the primary and the replicas.
        for (String service : List.of(KubernetesNames.poolerService(spec), KubernetesNames.readOnlyPooler(spec),
                KubernetesNames.primaryService(spec), KubernetesNames.replicaService(spec))) {
            assertThat(names).contains(service, service + "." + ns, service + "." + ns + ".svc", service + "." + ns + ".svc.cluster.local");
        }
        for (int i = 0; i < 3; i++) {
            String member = KubernetesNames.memberHost(spec, i, settings);
            assertThat(names).contains(member, member + ".cluster.local");
        }
        // What the runtime hands out: the pooler endpoint (connection strings), the leader endpoint, each member's.
        assertThat(names).contains(KubernetesNames.poolerHost(spec, settings), KubernetesNames.readOnlyPoolerHost(spec, settings),
                KubernetesNames.primaryHost(spec, settings));
        // Patroni inside each member pod connects to its own PostgreSQL as localhost, verify-full.
        assertThat(names).contains("localhost", "127.0.0.1", "::1");
        assertThat(names).doesNotHaveDuplicates().hasSize(4 * 4 + 3 * 2 + 3);

        List<String> withoutDomain = runtime("").serverCertificateNames(ha);
        assertThat(withoutDomain).hasSize(4 * 3 + 3 + 3).noneMatch(n -> n.endsWith(".cluster.local"));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private KubernetesRuntime runtime(String clusterDomain) {
        KubernetesProperties properties = new KubernetesProperties(settings.namespace(), settings.storageClass(),
                settings.nvmeLabelKey() + "=" + settings.nvmeLabelValue(), settings.patroniImage(), settings.pgbouncerImage(),
                settings.etcdImage(), "retain", "pgfleet-leader", List.of(15), clusterDomain, null);
        return new KubernetesRuntime(controlPlane, settings, properties, new ObjectMapper(),
                new dev.pgfleet.system.process.LocalProcesses(dev.pgfleet.system.process.DataPlaneUser.forCurrentProcess("postgres")),
                new KubernetesEtcd(controlPlane, settings, java.net.http.HttpClient.newHttpClient(), new ObjectMapper(), etcd.uri()),
                databaseId -> false);
    }

    private static DesiredCluster desired(Plan plan) {
        UUID id = UUID.randomUUID();
        ClusterSpec spec = new ClusterSpec(id.toString(), "shop", plan, 15);
        return new DesiredCluster(id, spec, new ClusterSecrets("su", "repl", "rest", "dcs"), "owner-pw",
                "SCRAM-SHA-256$4096:c2FsdA==$a:b", "admin-pw", "SCRAM-SHA-256$4096:c2FsdA==$c:d",
                IntStream.range(0, plan.members()).mapToObj(i -> new DesiredCluster.MemberSlot(i, KubernetesNames.podName(spec, i), 5432, 8008)).toList(),
                5432, null);
    }

    private Secret tlsSecret(DesiredCluster d) {
        return client.secrets().inNamespace(settings.namespace()).withName(KubernetesNames.tlsSecret(d.spec())).get();
    }

    private StatefulSet statefulSet(DesiredCluster d) {
        return client.apps().statefulSets().inNamespace(settings.namespace()).withName(KubernetesNames.statefulSet(d.spec())).get();
    }

    private Deployment deployment(DesiredCluster d) {
        return client.apps().deployments().inNamespace(settings.namespace()).withName(KubernetesNames.poolerDeployment(d.spec())).get();
    }

    /** The Secret's values as text, whether the API holds them in data (base64) or stringData. */
    private static Map<String, String> decoded(Secret secret) {
        Map<String, String> values = new HashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> values.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (secret.getStringData() != null) {
            values.putAll(secret.getStringData());
        }
        return values;
    }
}
