package dev.pgfleet.testsupport.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The control plane's rights as the Helm chart grants them, and the check that every request a test's control plane
 * made is among them. The chart is rendered with its default values except where the test's control plane differs
 * (release name and namespace, the databases' namespace), and the rights are those of the ServiceAccount the
 * chart's Deployment runs as.
 */
public final class ChartRbac {
    private static final Map<List<String>, RbacPolicy> RENDERED = new ConcurrentHashMap<>();

    private ChartRbac() {
    }

    /**
     * The chart installed as {@code release} in {@code releaseNamespace}, creating databases in
     * {@code databasesNamespace} (the release namespace unless {@code kubernetes.namespace} says otherwise).
     */
    public static RbacPolicy installedAs(String release, String releaseNamespace, String databasesNamespace) {
        return RENDERED.computeIfAbsent(List.of(release, releaseNamespace, databasesNamespace), key -> {
            List<HasMetadata> objects = HelmChart.render(release, releaseNamespace, template -> databasesNamespace.equals(releaseNamespace)
                    ? template : template.set("kubernetes.namespace", databasesNamespace));
            return policyOfTheControlPlane(objects);
        });
    }

    /** The rights of the ServiceAccount the rendered Deployment (the control plane) runs as. */
    public static RbacPolicy policyOfTheControlPlane(List<HasMetadata> objects) {
        List<Deployment> deployments = objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).toList();
        if (deployments.size() != 1) {
            throw new IllegalStateException("expected the control plane's one Deployment, found " + deployments.size());
        }
        Deployment deployment = deployments.get(0);
        String serviceAccount = deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
        return RbacPolicy.forServiceAccount(deployment.getMetadata().getNamespace(),
                serviceAccount == null ? "default" : serviceAccount, objects);
    }

    /**
     * Fails, listing each of them, if any request is not allowed by {@code policy}:
     * {@code PATCH /api/v1/namespaces/x/pods/y -> patch pods "y" in x: not granted}.
     */
    public static void assertAllowed(RbacPolicy policy, List<ApiRequest> requests) {
        List<String> denied = deniedRequests(policy, requests);
        if (!denied.isEmpty()) {
            long deniedRequests = requests.stream().filter(r -> !deniedRequests(policy, List.of(r)).isEmpty()).count();
            throw new AssertionError(deniedRequests + " of " + requests.size()
                    + " requests of the control plane are not allowed by the chart's RBAC:\n  " + String.join("\n  ", denied));
        }
    }

    /**
     * One line per request and attribute the policy denies (a request can need two: an apply that creates); a request
     * sent several times is listed once.
     */
    public static List<String> deniedRequests(RbacPolicy policy, List<ApiRequest> requests) {
        List<String> denied = new ArrayList<>();
        for (ApiRequest request : requests) {
            for (AuthorizationAttributes attributes : AuthorizationAttributes.of(request)) {
                if (!policy.allows(attributes)) {
                    denied.add(request + " -> " + attributes.describe() + ": not granted");
                }
            }
        }
        return denied.stream().distinct().toList();
    }
}
