package dev.pgfleet.testsupport.podman;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The Endpoints controller, kube-proxy and the cluster DNS of the test cluster (I/O): Services with a selector get
 * Endpoints of their ready pods (all of them with publishNotReadyAddresses; the others as notReadyAddresses),
 * selector-less ones keep what others write; each ClusterIP Service gets a virtual address with a forwarder per port
 * ({@link ClusterNetwork}); the DNS answers {@code <svc>.<ns>.svc}, {@code <pod>.<headless svc>.<ns>.svc} for the
 * headless Services' addresses with a host name, and each running pod's own name.
 */
final class ServiceController {
    private final KubernetesClient client;
    private final String namespace;
    private final ClusterNetwork net;

    ServiceController(KubernetesClient client, String namespace, ClusterNetwork net) {
        this.client = client;
        this.namespace = namespace;
        this.net = net;
    }

    /** One pass: Endpoints, forwarders and DNS from the Services and pods the API lists and the pods that run. */
    void reconcile(List<Pod> apiPods, Map<String, String> podAddresses) {
        Map<String, String> names = new TreeMap<>(podAddresses);
        for (Service svc : client.services().inNamespace(namespace).list().getItems()) {
            String name = svc.getMetadata().getName();
            boolean headless = "None".equals(svc.getSpec().getClusterIP());
            Map<String, String> selector = svc.getSpec().getSelector();
            if (selector != null && !selector.isEmpty()) {
                writeEndpoints(svc, apiPods.stream().filter(p -> matches(p, selector)).toList());
            }
            if (headless) {
                // <pod>.<svc>.<ns>.svc for each address with a host name (pods whose subdomain is this Service).
                Endpoints endpoints = client.endpoints().inNamespace(namespace).withName(name).get();
                for (EndpointAddress a : addresses(endpoints)) {
                    if (a.getHostname() != null) {
                        names.put(a.getHostname() + "." + name + "." + namespace + ".svc", a.getIp());
                        names.put(a.getHostname() + "." + name + "." + namespace + ".svc.cluster.local", a.getIp());
                    }
                }
                continue;
            }
            String vip = net.serviceAddress(name);
            names.put(name + "." + namespace + ".svc", vip);
            names.put(name + "." + namespace + ".svc.cluster.local", vip);
            for (ServicePort port : svc.getSpec().getPorts()) {
                net.ensureProxy(name, port.getPort(), () -> targets(name, port));
            }
        }
        net.setNames(names);
    }

    /** kube-proxy's choice for one Service port: the Endpoints' addresses with the port named like the Service's. */
    private List<ServiceProxy.Target> targets(String service, ServicePort port) {
        Endpoints endpoints = client.endpoints().inNamespace(namespace).withName(service).get();
        List<ServiceProxy.Target> targets = new ArrayList<>();
        if (endpoints == null || endpoints.getSubsets() == null) {
            return targets;
        }
        for (EndpointSubset subset : endpoints.getSubsets()) {
            Optional<Integer> targetPort = Optional.ofNullable(subset.getPorts()).orElse(List.of()).stream()
                    .filter(p -> port.getName() == null || subset.getPorts().size() == 1 || port.getName().equals(p.getName()))
                    .map(EndpointPort::getPort).findFirst();
            if (targetPort.isEmpty()) {
                continue;
            }
            for (EndpointAddress a : Optional.ofNullable(subset.getAddresses()).orElse(List.of())) {
                targets.add(new ServiceProxy.Target(a.getIp(), targetPort.get()));
            }
        }
        return targets;
    }

    private void writeEndpoints(Service svc, List<Pod> selected) {
        boolean notReadyToo = Boolean.TRUE.equals(svc.getSpec().getPublishNotReadyAddresses());
        List<EndpointAddress> addresses = new ArrayList<>();
        List<EndpointAddress> notReady = new ArrayList<>();
        for (Pod p : selected) {
            if (p.getStatus() == null || p.getStatus().getPodIP() == null || p.getMetadata().getDeletionTimestamp() != null
                    || isFinished(p)) {
                continue;
            }
            EndpointAddressBuilder a = new EndpointAddressBuilder().withIp(p.getStatus().getPodIP()).withNewTargetRef()
                    .withKind("Pod").withName(p.getMetadata().getName()).withNamespace(namespace).withUid(p.getMetadata().getUid())
                    .endTargetRef();
            if (p.getSpec().getHostname() != null && svc.getMetadata().getName().equals(p.getSpec().getSubdomain())) {
                a.withHostname(p.getSpec().getHostname());
            }
            (notReadyToo || isReady(p) ? addresses : notReady).add(a.build());
        }
        addresses.sort(java.util.Comparator.comparing(EndpointAddress::getIp));
        notReady.sort(java.util.Comparator.comparing(EndpointAddress::getIp));
        List<EndpointPort> ports = new ArrayList<>();
        for (ServicePort sp : svc.getSpec().getPorts()) {
            int target = sp.getTargetPort() == null ? sp.getPort()
                    : sp.getTargetPort().getIntVal() != null ? sp.getTargetPort().getIntVal()
                    : namedPort(selected, sp.getTargetPort().getStrVal()).orElse(sp.getPort());
            ports.add(new EndpointPortBuilder().withName(sp.getName()).withPort(target).withProtocol(sp.getProtocol()).build());
        }
        EndpointsBuilder desired = new EndpointsBuilder().withNewMetadata().withName(svc.getMetadata().getName())
                .withNamespace(namespace).withLabels(svc.getMetadata().getLabels()).endMetadata();
        if (!addresses.isEmpty() || !notReady.isEmpty()) {
            desired.addNewSubset().withAddresses(addresses).withNotReadyAddresses(notReady).withPorts(ports).endSubset();
        }
        Endpoints want = desired.build();
        Endpoints current = client.endpoints().inNamespace(namespace).withName(svc.getMetadata().getName()).get();
        if (current != null && Objects.equals(Optional.ofNullable(current.getSubsets()).orElse(List.of()),
                Optional.ofNullable(want.getSubsets()).orElse(List.of()))) {
            return;
        }
        if (current == null) {
            client.endpoints().inNamespace(namespace).resource(want).create();
        } else {
            current.setSubsets(want.getSubsets());
            client.endpoints().inNamespace(namespace).resource(current).update();
        }
    }

    private static Optional<Integer> namedPort(List<Pod> pods, String name) {
        return pods.stream().flatMap(p -> p.getSpec().getContainers().stream())
                .flatMap(c -> Optional.ofNullable(c.getPorts()).orElse(List.of()).stream())
                .filter(p -> name.equals(p.getName())).map(io.fabric8.kubernetes.api.model.ContainerPort::getContainerPort).findFirst();
    }

    private static List<EndpointAddress> addresses(Endpoints endpoints) {
        if (endpoints == null || endpoints.getSubsets() == null) {
            return List.of();
        }
        return endpoints.getSubsets().stream().flatMap(s -> Optional.ofNullable(s.getAddresses()).orElse(List.of()).stream()).toList();
    }

    private static boolean matches(Pod pod, Map<String, String> selector) {
        Map<String, String> labels = Optional.ofNullable(pod.getMetadata().getLabels()).orElse(Map.of());
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    private static boolean isFinished(Pod pod) {
        return Kubelet.isFinished(pod);
    }

    private static boolean isReady(Pod pod) {
        return PodmanCluster.isReady(pod);
    }
}
