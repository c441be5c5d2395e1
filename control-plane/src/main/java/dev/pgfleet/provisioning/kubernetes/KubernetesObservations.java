package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.blueprint.ReadOnlyEndpoint;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.node.NodeInventory;
import dev.pgfleet.provisioning.ClusterObservation;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.PatroniRest;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads a database's state (I/O): its Patroni pods from the Kubernetes API (ready or not), each member's role and
 * lag from Patroni's REST API, its volumes (bound or not) and its pooler Deployment; and the NVMe nodes with their
 * capacity and what pgfleet's members already request there.
 */
class KubernetesObservations {
    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final PatroniRest patroni;

    KubernetesObservations(KubernetesClient client, KubernetesSettings settings, PatroniRest patroni) {
        this.client = client;
        this.settings = settings;
        this.patroni = patroni;
    }

    ClusterObservation observe(DesiredCluster desired) {
        String ns = settings.namespace();
        Map<String, Pod> pods = new HashMap<>();
        for (Pod pod : client.pods().inNamespace(ns).withLabel(KubernetesNames.DATABASE_ID_LABEL, desired.spec().scope())
                .withLabel(KubernetesNames.COMPONENT_LABEL, KubernetesNames.POSTGRES_COMPONENT).list().getItems()) {
            pods.put(pod.getMetadata().getName(), pod);
        }
        boolean volumesBound = client.persistentVolumeClaims().inNamespace(ns)
                .withLabel(KubernetesNames.DATABASE_ID_LABEL, desired.spec().scope()).list().getItems().stream()
                .allMatch(KubernetesObservations::bound);

        // Patroni's own view (the leader key's holder, the synchronous standby, the lag), through any ready pod's IP.
        // No other source: a role from anywhere else could disagree with the DCS.
        List<String> restAddresses = pods.values().stream().filter(KubernetesObservations::ready)
                .map(p -> p.getStatus().getPodIP()).filter(Objects::nonNull).map(ip -> ip + ":" + KubernetesRuntime.PATRONI_PORT).toList();
        Map<String, PatroniRest.Member> reported = new HashMap<>();
        patroni.fetchCluster(restAddresses).orElse(List.of()).forEach(m -> reported.put(m.name(), m));

        // Replay lag, which decides the read-only rotation (LeaderRouting.readOnlyMembers): /cluster's lag counts
        // received WAL only, so a replica whose replay stalls would stay in rotation. As the local runtime does, the
        // leader's WAL position minus each replica's replayed position (Patroni's GET /patroni of each pod), for plans
        // with a read-only endpoint.
        Long leaderLocation = !ReadOnlyEndpoint.offeredFor(desired.spec().plan()) ? null : reported.values().stream()
                .filter(m -> "leader".equals(m.role())).map(m -> pods.get(m.name())).filter(p -> p != null && ready(p))
                .findFirst().flatMap(p -> patroni.fetchWalPosition(restAddress(p))).orElse(null);
        List<ClusterObservation.MemberObservation> members = new ArrayList<>();
        Optional<String> leader = Optional.empty();
        for (DesiredCluster.MemberSlot slot : desired.members()) {
            Pod pod = pods.get(KubernetesNames.podName(desired.spec(), slot.ordinal()));
            boolean ready = pod != null && ready(pod);
            PatroniRest.Member fromPatroni = pod == null ? null : reported.get(pod.getMetadata().getName());
            String role = fromPatroni == null ? null : fromPatroni.role();
            String state = pod == null ? "stopped"
                    : !volumesBound ? "pending: volume not bound"
                    : ready ? "running" : Objects.requireNonNullElse(pod.getStatus().getPhase(), "Pending").toLowerCase();
            Long lag = fromPatroni == null ? null : fromPatroni.lagBytes();
            if (leaderLocation != null && ready && fromPatroni != null && !"leader".equals(role)) {
                lag = PatroniRest.replicaLag(lag, leaderLocation, patroni.fetchWalPosition(restAddress(pod)).orElse(null));
            }
            members.add(new ClusterObservation.MemberObservation(slot.name(), pod != null, role, state, lag));
            if (ready && "leader".equals(role)) {
                leader = Optional.of(slot.name());
            }
        }
        Deployment pooler = client.apps().deployments().inNamespace(ns)
                .withName(KubernetesNames.poolerDeployment(desired.spec())).get();
        boolean poolerReady = pooler != null && pooler.getStatus() != null
                && Objects.requireNonNullElse(pooler.getStatus().getReadyReplicas(), 0) > 0;
        // PgBouncer connects to the primary Service, whose Endpoints the runtime points at this leader (LeaderRouting).
        return new ClusterObservation(members, leader, poolerReady, poolerReady ? leader : Optional.empty());
    }

    private static String restAddress(Pod pod) {
        return pod.getStatus().getPodIP() + ":" + KubernetesRuntime.PATRONI_PORT;
    }

    List<NodeInventory.NodeCapacity> fetchNodes() {
        Map<String, long[]> used = new HashMap<>();
        // Only the databases' namespace: the chart grants pods there, not across the cluster (a list in all
        // namespaces is refused with 403). Members of another pgfleet installation sharing the nodes are not
        // counted; the scheduler still refuses a pod that does not fit, and the database then says so.
        for (Pod pod : client.pods().inNamespace(settings.namespace()).withLabel(KubernetesNames.MANAGED_BY_LABEL, "pgfleet")
                .withLabel(KubernetesNames.COMPONENT_LABEL, KubernetesNames.POSTGRES_COMPONENT).list().getItems()) {
            String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
            if (node == null) {
                continue;
            }
            long[] sum = used.computeIfAbsent(node, n -> new long[3]);
            for (Container c : pod.getSpec().getContainers()) {
                if (c.getResources() != null && c.getResources().getRequests() != null) {
                    sum[0] += millis(c.getResources().getRequests().get("cpu"));
                    sum[1] += bytes(c.getResources().getRequests().get("memory"));
                }
            }
            sum[2]++;
        }
        List<NodeInventory.NodeCapacity> nodes = new ArrayList<>();
        for (Node node : client.nodes().list().getItems()) {
            String name = node.getMetadata().getName();
            Map<String, String> labels = Objects.requireNonNullElse(node.getMetadata().getLabels(), Map.of());
            Map<String, Quantity> allocatable = node.getStatus() == null || node.getStatus().getAllocatable() == null
                    ? Map.of() : node.getStatus().getAllocatable();
            long[] u = used.getOrDefault(name, new long[3]);
            nodes.add(new NodeInventory.NodeCapacity(name, settings.nvmeLabelValue().equals(labels.get(settings.nvmeLabelKey())),
                    millis(allocatable.get("cpu")), bytes(allocatable.get("memory")), u[0], u[1], (int) u[2]));
        }
        nodes.sort(java.util.Comparator.comparing(NodeInventory.NodeCapacity::name));
        return nodes;
    }

    private static boolean ready(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static boolean bound(PersistentVolumeClaim pvc) {
        return pvc.getStatus() != null && "Bound".equals(pvc.getStatus().getPhase());
    }

    static long millis(Quantity q) {
        return q == null ? 0 : Quantity.getAmountInBytes(q).multiply(BigDecimal.valueOf(1000)).longValue();
    }

    static long bytes(Quantity q) {
        return q == null ? 0 : Quantity.getAmountInBytes(q).longValue();
    }
}
