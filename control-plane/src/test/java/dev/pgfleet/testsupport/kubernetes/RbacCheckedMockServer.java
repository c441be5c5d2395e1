package dev.pgfleet.testsupport.kubernetes;

import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;

/**
 * fabric8's mock API server in CRUD mode (with server-side apply) whose control-plane requests are recorded and, at
 * {@link #closeAndAssertAllowed}, checked against the chart's RBAC as installed with release "pgfleet" in the
 * settings' control-plane namespace: the set-up every Kubernetes mock-server test shares. Two clients: {@link #cluster()}
 * plays the cluster (controllers, kubelet; not checked), {@link #controlPlane()} is the one to give the code under test.
 */
public final class RbacCheckedMockServer {
    private final RecordingDispatcher dispatcher;
    private final KubernetesMockServer server;
    private final KubernetesClient cluster;
    private final KubernetesClient controlPlane;

    private RbacCheckedMockServer(RecordingDispatcher dispatcher) {
        this.dispatcher = dispatcher;
        this.server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        this.cluster = RecordingDispatcher.clusterClient(server);
        this.controlPlane = server.createClient();
    }

    public static RbacCheckedMockServer start() {
        return new RbacCheckedMockServer(new RecordingDispatcher());
    }

    /** With a dispatcher of the test's own (e.g. one that answers pods/exec). */
    public static RbacCheckedMockServer start(RecordingDispatcher dispatcher) {
        return new RbacCheckedMockServer(dispatcher);
    }

    public KubernetesClient cluster() {
        return cluster;
    }

    public KubernetesClient controlPlane() {
        return controlPlane;
    }

    public RecordingDispatcher dispatcher() {
        return dispatcher;
    }

    /** Stops the server, then fails if the control plane sent a request the chart does not allow. */
    public void closeAndAssertAllowed(KubernetesSettings settings) {
        cluster.close();
        controlPlane.close();
        server.destroy();
        ChartRbac.assertAllowed(ChartRbac.installedAs("pgfleet", settings.controlPlaneNamespace(), settings.namespace()),
                dispatcher.requests());
    }
}
