package dev.pgfleet.testsupport.kubernetes;

import dev.pgfleet.provisioning.kubernetes.ServerSideApplyCrudDispatcher;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The CRUD mock server's dispatcher (with server-side apply), recording every request the control plane sends so
 * that {@link ChartRbac} can check it against the chart's RBAC.
 *
 * <p>A dispatcher rather than {@code MockWebServer.takeRequest()}: only the dispatcher sees each request together
 * with the answer it got (an apply that created its object needs {@code create} too), and it records in the
 * order requests are served, whatever the test's threads do.
 *
 * <p>Tests play the cluster too (creating Nodes, setting pod status, reading what was applied). Those requests
 * are not the control plane's, so the test makes them through {@link #clusterClient(KubernetesMockServer)}, whose
 * User-Agent marks them; everything else is recorded. Marking the test's client rather than the control plane's
 * errs on the safe side: a request from a client nobody marked (the Spring context's own, a second client the
 * code builds) is still checked.
 */
public class RecordingDispatcher extends ServerSideApplyCrudDispatcher {
    /** The User-Agent of the test's own client, which plays the cluster (kubelet, controllers, the operator). */
    public static final String CLUSTER_USER_AGENT = "the-cluster-played-by-the-test";

    private final List<ApiRequest> requests = new CopyOnWriteArrayList<>();

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        // getBytes(), not getUtf8Body(): reading the body that way empties it for the CRUD dispatcher.
        String body = request.getBody() == null ? "" : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
        MockResponse response = super.dispatch(request);
        if (!CLUSTER_USER_AGENT.equals(request.getHeader("User-Agent"))) {
            requests.add(new ApiRequest(request.getMethod(), request.getPath(), request.getHeader("Content-Type"),
                    response.code(), body));
        }
        return response;
    }

    /** The control plane's requests so far, in the order they were served. */
    public List<ApiRequest> requests() {
        return List.copyOf(requests);
    }

    /** The control plane's requests since the last call, which forgets them (a server shared by several tests). */
    public synchronized List<ApiRequest> drain() {
        List<ApiRequest> drained = new ArrayList<>(requests);
        requests.removeAll(drained);
        return drained;
    }

    /** A client of the mock server whose requests are the cluster's (the test's), not the control plane's. */
    public static KubernetesClient clusterClient(KubernetesMockServer server) {
        try (KubernetesClient plain = server.createClient()) {
            return new KubernetesClientBuilder().withConfig(new ConfigBuilder(plain.getConfiguration())
                    .withUserAgent(CLUSTER_USER_AGENT).build()).build();
        }
    }
}
