package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.testsupport.kubernetes.ApiRequest;
import dev.pgfleet.testsupport.kubernetes.ChartRbac;
import dev.pgfleet.testsupport.kubernetes.RbacPolicy;
import dev.pgfleet.testsupport.kubernetes.RecordingDispatcher;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The RBAC check can fail: the requests the control plane really sent (here: creating and reading etcd's root
 * Secret) pass against the chart, and fail, each named, against the chart with the rule that grants them removed.
 * The cluster's own requests (the test's client) are not counted.
 */
class ChartRbacMutationTest {
    private final KubernetesSettings settings = KubernetesSettings.defaults();

    @Test
    void theCheckFailsNamingEachRequestWhenTheChartLacksTheRuleItNeeds() {
        RecordingDispatcher dispatcher = new RecordingDispatcher();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        List<ApiRequest> requests;
        try (KubernetesClient controlPlane = server.createClient(); KubernetesClient cluster = RecordingDispatcher.clusterClient(server)) {
            // No etcd is needed to make the root password: it is a Secret the control plane creates once.
            new KubernetesEtcd(controlPlane, settings, HttpClient.newHttpClient(), new ObjectMapper(), URI.create("http://127.0.0.1:9"))
                    .rootPassword();
            assertThat(cluster.secrets().inNamespace(settings.namespace()).withName(KubernetesNames.etcdRootSecret()).get()).isNotNull();
            cluster.nodes().list();
            requests = dispatcher.requests();
        } finally {
            server.destroy();
        }
        String ns = settings.namespace();
        String secret = KubernetesNames.etcdRootSecret();
        assertThat(requests).as("only the control plane's requests").extracting(ApiRequest::toString).containsExactly(
                "GET /api/v1/namespaces/" + ns + "/secrets/" + secret,
                "POST /api/v1/namespaces/" + ns + "/secrets",
                "GET /api/v1/namespaces/" + ns + "/secrets/" + secret);

        RbacPolicy chart = ChartRbac.installedAs("pgfleet", settings.controlPlaneNamespace(), ns);
        ChartRbac.assertAllowed(chart, requests);

        RbacPolicy withoutSecrets = chart.without(rule -> rule.getResources().contains("secrets"));
        assertThatThrownBy(() -> ChartRbac.assertAllowed(withoutSecrets, requests))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("3 of 3 requests")
                .hasMessageContaining("POST /api/v1/namespaces/" + ns + "/secrets -> create secrets in " + ns + ": not granted")
                .hasMessageContaining("GET /api/v1/namespaces/" + ns + "/secrets/" + secret + " -> get secrets \"" + secret + "\" in "
                        + ns + ": not granted");

        // Removing an unrelated rule (nodes) changes nothing for these requests.
        ChartRbac.assertAllowed(chart.without(rule -> rule.getResources().contains("nodes")), requests);
    }
}
