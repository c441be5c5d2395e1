package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Dcs;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.EtcdAccess;
import dev.pgfleet.provisioning.EtcdClient;
import dev.pgfleet.provisioning.TestEtcd;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import dev.pgfleet.testsupport.kubernetes.RbacCheckedMockServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The control plane administering the namespace's shared etcd: a real etcd (the API server is fabric8's mock, in
 * CRUD mode). Root's password comes from a Secret it creates once; each database gets its scope's user before its
 * members start; authentication goes on only when no Patroni pod lacks its credentials; deletion removes the user.
 */
@Tag("integration")
class KubernetesEtcdIntegrationTest {
    private final KubernetesSettings settings = KubernetesSettings.defaults();
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private RbacCheckedMockServer api;
    /** The test's own client, playing the cluster (member pods); the control plane's requests go through {@link #controlPlaneClient}. */
    private KubernetesClient client;
    private KubernetesClient controlPlaneClient;
    private TestEtcd etcd;

    @BeforeEach
    void start() throws Exception {
        api = RbacCheckedMockServer.start();
        client = api.cluster();
        controlPlaneClient = api.controlPlane();
        etcd = TestEtcd.start();
    }

    @AfterEach
    void stop() throws Exception {
        etcd.close();
        api.closeAndAssertAllowed(settings);
    }

    private KubernetesEtcd controlPlane() {
        return new KubernetesEtcd(controlPlaneClient, settings, http, json, etcd.uri());
    }

    @Test
    void theRootPasswordIsGeneratedOnceIntoASecretAndSharedByEveryControlPlane() {
        String first = controlPlane().rootPassword();
        String second = controlPlane().rootPassword();
        assertThat(first).hasSize(32).isEqualTo(second);
        Secret secret = client.secrets().inNamespace(settings.namespace()).withName(KubernetesNames.etcdRootSecret()).get();
        assertThat(secret.getMetadata().getLabels()).containsAllEntriesOf(KubernetesNames.etcdLabels());
    }

    @Test
    void eachScopeGetsItsOwnUserAndAuthenticationWaitsForPodsWithoutCredentials() throws Exception {
        KubernetesEtcd cp = controlPlane();
        DesiredCluster shop = desired("shop");
        DesiredCluster blog = desired("blog");
        cp.ensureScope(shop);
        cp.ensureScope(blog);

        // A member pod from before per-scope users (no ETCD3_USERNAME) keeps authentication off.
        client.pods().inNamespace(settings.namespace()).resource(memberPod("old-0", false)).create();
        client.pods().inNamespace(settings.namespace()).resource(memberPod("new-0", true)).create();
        client.pods().inNamespace(settings.namespace()).resource(blueprintMemberPod(shop)).create();
        cp.enableAuthenticationWhenEveryMemberHasCredentials();
        EtcdAccess root = new EtcdAccess(new EtcdClient(http, json, etcd.uri(), cp::rootPassword));
        assertThat(root.authenticationEnabled()).isFalse();

        client.pods().inNamespace(settings.namespace()).withName("old-0").delete();
        cp.enableAuthenticationWhenEveryMemberHasCredentials();
        assertThat(root.authenticationEnabled()).isTrue();

        EtcdClient anyone = new EtcdClient(http, json, etcd.uri(), () -> "");
        String prefix = "/pgfleet/" + shop.spec().scope() + "/";
        String shopToken = anyone.authenticate(Dcs.scopeUser(shop.spec().scope()), shop.secrets().dcsPassword());
        String blogToken = anyone.authenticate(Dcs.scopeUser(blog.spec().scope()), blog.secrets().dcsPassword());
        assertThat(anyone.send("/v3/kv/put", Map.of("key", EtcdClient.b64(prefix + "leader"), "value", EtcdClient.b64("shop-0")),
                shopToken).has("header")).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> anyone.send("/v3/kv/range",
                Map.of("key", EtcdClient.b64(prefix + "leader")), blogToken)).hasMessageContaining("permission denied");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> anyone.send("/v3/kv/range",
                Map.of("key", EtcdClient.b64(prefix + "leader")), null)).hasMessageContaining("user name is empty");

        cp.removeScope(shop);
        assertThat(root.userExists(Dcs.scopeUser(shop.spec().scope()))).isFalse();
        assertThat(root.userExists(Dcs.scopeUser(blog.spec().scope()))).isTrue();
        assertThat(new EtcdClient(http, json, etcd.uri(), cp::rootPassword).get(prefix + "leader")).isEmpty();
    }

    @Test
    void theSecretIsReadFromItsDataAsKubernetesStoresIt() {
        client.secrets().inNamespace(settings.namespace()).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata().withName(KubernetesNames.etcdRootSecret()).endMetadata()
                .withData(Map.of(KubernetesEtcd.ROOT_PASSWORD_KEY, Base64.getEncoder().encodeToString("from-data".getBytes(StandardCharsets.UTF_8))))
                .build()).create();
        assertThat(controlPlane().rootPassword()).isEqualTo("from-data");
    }

    private DesiredCluster desired(String name) {
        UUID id = UUID.randomUUID();
        ClusterSpec spec = new ClusterSpec(id.toString(), name, Plan.DEV, 15);
        return new DesiredCluster(id, spec, new ClusterSecrets("su", "repl", "rest", name + "-dcs-password"), "owner-pw",
                "SCRAM-SHA-256$4096:c2FsdA==$a:b", "admin-pw", "SCRAM-SHA-256$4096:c2FsdA==$c:d",
                List.of(new DesiredCluster.MemberSlot(0, spec.memberName(0), 5432, 8008)), 5432, null);
    }

    /** A pod exactly as the blueprint's StatefulSet makes it: its credentials are in the mounted patroni.yml. */
    private io.fabric8.kubernetes.api.model.Pod blueprintMemberPod(DesiredCluster d) {
        io.fabric8.kubernetes.api.model.apps.StatefulSet sts = dev.pgfleet.blueprint.kubernetes.KubernetesBlueprint
                .databaseObjects(d.spec(), settings, KubernetesSecrets.of(d), "x").stream()
                .filter(io.fabric8.kubernetes.api.model.apps.StatefulSet.class::isInstance)
                .map(io.fabric8.kubernetes.api.model.apps.StatefulSet.class::cast).findFirst().orElseThrow();
        assertThat(KubernetesEtcd.hasCredentials(new PodBuilder().withSpec(sts.getSpec().getTemplate().getSpec()).build())).isTrue();
        return new PodBuilder().withNewMetadata().withName(KubernetesNames.podName(d.spec(), 0))
                .withLabels(sts.getSpec().getTemplate().getMetadata().getLabels()).endMetadata()
                .withSpec(sts.getSpec().getTemplate().getSpec()).build();
    }

    private io.fabric8.kubernetes.api.model.Pod memberPod(String name, boolean withCredentials) {
        PodBuilder pod = new PodBuilder().withNewMetadata().withName(name)
                .addToLabels(KubernetesNames.MANAGED_BY_LABEL, KubernetesNames.MANAGER)
                .addToLabels(KubernetesNames.COMPONENT_LABEL, KubernetesNames.POSTGRES_COMPONENT).endMetadata();
        var container = pod.withNewSpec().addNewContainer().withName("postgres").addNewEnv().withName("SCOPE").withValue(name).endEnv();
        if (withCredentials) {
            container.addNewEnv().withName("ETCD3_USERNAME").withValue("patroni-x").endEnv();
        }
        return container.endContainer().endSpec().build();
    }
}
