package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.blueprint.kubernetes.PoolerObjects;
import dev.pgfleet.provisioning.DesiredCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a renewed certificate into service on Kubernetes without restarting anything (I/O). The runtime rewrites the
 * database's TLS Secret (server-side apply); the kubelet then rewrites the files mounted from it in every pod, up to
 * about a minute later; PostgreSQL and PgBouncer read them again only when told to. So, each pass, every running member
 * and pooler pod is asked which certificate it presents (an SSLRequest handshake, {@link PresentedCertificate}), and
 * only those presenting another serial than the desired one are reloaded: a member through Patroni's {@code POST
 * /reload} (on an explicit reload Patroni 3 always reloads PostgreSQL, which re-reads its ssl_* files), a pooler
 * through {@code RELOAD} on its admin console (PgBouncer reloads its TLS files on RELOAD). A pod whose files the
 * kubelet has not refreshed yet still presents the old serial after its reload and is reloaded again in a later pass,
 * until it presents the new one: convergence by observation, no timer. Existing connections are kept by both.
 *
 * <p>An endpoint that does not answer is left to the next pass (a pod restarting); one that answers without TLS is
 * left to the rollout (its pod predates the TLS mount, and reloading it would make PostgreSQL look for files that are
 * not there). Reaches the pods as the rest of the runtime does: their addresses from the API (pods: list), Patroni's
 * REST API and PgBouncer's admin console over the network; no new Kubernetes permission.
 */
final class KubernetesTlsReload {
    private static final Logger log = LoggerFactory.getLogger(KubernetesTlsReload.class);

    /**
     * Which certificate serial (lowercase hex) an endpoint presents, verified against the database's CA; empty when it
     * is unreachable, does not do TLS or presents another CA's certificate (dev.pgfleet.tls.PresentedCertificate).
     */
    interface Probe {
        Optional<String> fetchSerial(String host, int port, String caCertificatePem);
    }

    /** The two reloads, each for one pod by its address. */
    interface Reloads {
        void reloadMember(DesiredCluster desired, String podIp) throws Exception;

        void reloadPooler(DesiredCluster desired, String podIp) throws Exception;
    }

    enum Kind { MEMBER, POOLER }

    /** One endpoint of one pod, and what it presented (see {@link #reloadEndpointsPresentingAnOldCertificate}). */
    record Endpoint(String pod, String address, int port, Kind kind) {
        String describe() {
            return pod + " (" + address + ":" + port + ")";
        }
    }

    /**
     * What one pass found and did.
     *
     * @param reloaded   endpoints that presented an old serial and were reloaded
     * @param current    endpoints that present the desired serial
     * @param notServing endpoints that did not answer, or answered without TLS, left to a later pass or the rollout
     */
    record Pass(List<Endpoint> reloaded, List<Endpoint> current, List<Endpoint> notServing) {
    }

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final Probe probe;
    private final Reloads reloads;

    KubernetesTlsReload(KubernetesClient client, KubernetesSettings settings, Probe probe, Reloads reloads) {
        this.client = client;
        this.settings = settings;
        this.probe = probe;
        this.reloads = reloads;
    }

    /**
     * Probes every running member and pooler pod and reloads those presenting another certificate than
     * {@code desired.tls()}; nothing when the database has no TLS identity. Throws, after trying every endpoint, when
     * a reload was refused.
     */
    Pass reloadEndpointsPresentingAnOldCertificate(DesiredCluster desired) {
        if (desired.tls() == null) {
            return new Pass(List.of(), List.of(), List.of());
        }
        List<Endpoint> reloaded = new ArrayList<>();
        List<Endpoint> current = new ArrayList<>();
        List<Endpoint> notServing = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Endpoint endpoint : fetchEndpoints(desired)) {
            Optional<String> presented = probe.fetchSerial(endpoint.address(), endpoint.port(), desired.tls().caCertificatePem());
            if (presented.isEmpty()) {
                notServing.add(endpoint);
                continue;
            }
            if (presented.get().equals(desired.tls().serial())) {
                current.add(endpoint);
                continue;
            }
            log.info("TLS of {}: presents serial {}, not {}; reloading it", endpoint.describe(), presented.get(),
                    desired.tls().serial());
            try {
                if (endpoint.kind() == Kind.MEMBER) {
                    reloads.reloadMember(desired, endpoint.address());
                } else {
                    reloads.reloadPooler(desired, endpoint.address());
                }
                reloaded.add(endpoint);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (Exception e) {
                failures.add(endpoint.describe() + ": " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("could not reload the renewed TLS certificate on " + String.join("; ", failures));
        }
        return new Pass(List.copyOf(reloaded), List.copyOf(current), List.copyOf(notServing));
    }

    /** Running member pods (PostgreSQL's port) and pooler pods, main and read-only (PgBouncer's), by name, with their addresses. */
    private List<Endpoint> fetchEndpoints(DesiredCluster desired) {
        List<Endpoint> endpoints = new ArrayList<>();
        addRunning(endpoints, desired, KubernetesNames.POSTGRES_COMPONENT, KubernetesRuntime.POSTGRES_PORT, Kind.MEMBER);
        addRunning(endpoints, desired, KubernetesNames.POOLER_COMPONENT, PoolerObjects.LISTEN_PORT, Kind.POOLER);
        // The read-only pooler's pods are the main pooler's with another component label: same port, same reload.
        addRunning(endpoints, desired, KubernetesNames.READ_ONLY_POOLER_COMPONENT, PoolerObjects.LISTEN_PORT, Kind.POOLER);
        return endpoints;
    }

    private void addRunning(List<Endpoint> endpoints, DesiredCluster desired, String component, int port, Kind kind) {
        client.pods().inNamespace(settings.namespace()).withLabels(KubernetesNames.selector(desired.spec(), component)).list()
                .getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
                        && "Running".equals(p.getStatus().getPhase()) && p.getStatus().getPodIP() != null)
                .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getName()))
                .forEach(p -> endpoints.add(new Endpoint(p.getMetadata().getName(), p.getStatus().getPodIP(), port, kind)));
    }
}
