package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.blueprint.ReadOnlyEndpoint;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.provisioning.ClusterObservation;
import dev.pgfleet.provisioning.DesiredCluster;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Points a database's selector-less primary and replica Services at the members Patroni reports (I/O): the primary
 * Service's Endpoints hold exactly the leader's pod, the replica Service's the other running members within the
 * read-only lag bound, or the leader when there is none ({@link #readOnlyMembers}). PgBouncer connects to the primary
 * Service, so it follows a failover as soon as these are written.
 *
 * <p>Why the control plane and not a label or a callback: the leader comes from Patroni's own /cluster view (the
 * holder of the leader key in etcd), one address is written, so two pods can never be in the primary Service at
 * once; the pods need no Kubernetes API access; and nothing depends on the cluster's DNS domain. When no leader is
 * known (Patroni unreachable, an election under way) the Endpoints are left as they are: a former leader that lost
 * its key demotes itself, so a stale route fails writes instead of splitting the cluster.
 */
final class LeaderRouting {
    private final KubernetesClient client;
    private final KubernetesSettings settings;

    LeaderRouting(KubernetesClient client, KubernetesSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    /** Writes the Endpoints that differ from what the observation says; returns whether any was written. */
    boolean applyEndpoints(DesiredCluster desired, ClusterObservation observation) {
        if (observation.leader().isEmpty()) {
            return false;
        }
        List<Target> leader = new ArrayList<>();
        List<Target> replicas = new ArrayList<>();
        for (String member : readOnlyMembers(observation)) {
            fetchTarget(member).ifPresent(replicas::add);
        }
        fetchTarget(observation.leader().get()).ifPresent(leader::add);
        if (leader.isEmpty()) {
            return false;
        }
        boolean primaryChanged = applyIfChanged(KubernetesNames.primaryService(desired.spec()), leader);
        boolean replicasChanged = applyIfChanged(KubernetesNames.replicaService(desired.spec()), replicas);
        return primaryChanged || replicasChanged;
    }

    /**
     * Who the replica Service (behind the read-only pooler) holds: every running member that is not the leader
     * ("replica" or "sync_standby") within {@link ReadOnlyEndpoint#LAG_BOUND_BYTES} of lag; when there is none, the
     * leader, so read-only clients are still served (the read-only pooler keeps them read-only). Pure.
     */
    static List<String> readOnlyMembers(ClusterObservation observation) {
        String leader = observation.leader().orElse(null);
        List<String> replicas = observation.members().stream()
                .filter(m -> m.healthy() && m.role() != null && !m.name().equals(leader))
                .filter(m -> m.lagBytes() != null && m.lagBytes() <= ReadOnlyEndpoint.LAG_BOUND_BYTES)
                .map(ClusterObservation.MemberObservation::name).sorted().toList();
        return replicas.isEmpty() && leader != null ? List.of(leader) : replicas;
    }

    private Optional<Target> fetchTarget(String podName) {
        Pod pod = client.pods().inNamespace(settings.namespace()).withName(podName).get();
        if (pod == null || pod.getStatus() == null || pod.getStatus().getPodIP() == null) {
            return Optional.empty();
        }
        return Optional.of(new Target(podName, pod.getMetadata().getUid(), pod.getStatus().getPodIP()));
    }

    private boolean applyIfChanged(String serviceName, List<Target> targets) {
        Service service = client.services().inNamespace(settings.namespace()).withName(serviceName).get();
        if (service == null) {
            return false;
        }
        Endpoints desired = endpoints(service, targets);
        Endpoints current = client.endpoints().inNamespace(settings.namespace()).withName(serviceName).get();
        if (current != null && Objects.equals(current.getSubsets(), desired.getSubsets())) {
            return false;
        }
        client.endpoints().inNamespace(settings.namespace()).resource(desired)
                .fieldManager(KubernetesRuntime.FIELD_MANAGER).forceConflicts().serverSideApply();
        return true;
    }

    /**
     * The Endpoints of a selector-less Service: named like it and owned by it (deleted with it). Kubernetes mirrors
     * them into EndpointSlices for kube-proxy. No targets, no subsets: the Service then refuses connections.
     */
    static Endpoints endpoints(Service service, List<Target> targets) {
        List<EndpointAddress> addresses = targets.stream().sorted(Comparator.comparing(Target::podName))
                .map(t -> new EndpointAddressBuilder().withIp(t.ip()).withNewTargetRef().withKind("Pod")
                        .withName(t.podName()).withNamespace(service.getMetadata().getNamespace()).withUid(t.uid())
                        .endTargetRef().build())
                .toList();
        EndpointsBuilder builder = new EndpointsBuilder()
                .withNewMetadata()
                .withName(service.getMetadata().getName())
                .withNamespace(service.getMetadata().getNamespace())
                .withLabels(service.getMetadata().getLabels())
                .addNewOwnerReference().withApiVersion("v1").withKind("Service").withName(service.getMetadata().getName())
                .withUid(service.getMetadata().getUid()).endOwnerReference()
                .endMetadata();
        if (!addresses.isEmpty()) {
            builder.addNewSubset().withAddresses(addresses)
                    .addNewPort().withName("postgresql").withPort(KubernetesRuntime.POSTGRES_PORT).withProtocol("TCP").endPort()
                    .endSubset();
        }
        return builder.build();
    }

    record Target(String podName, String uid, String ip) {
    }
}
