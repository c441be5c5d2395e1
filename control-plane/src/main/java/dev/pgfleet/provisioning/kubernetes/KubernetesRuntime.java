package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.problem.Unprocessable;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.ReadOnlyEndpoint;
import dev.pgfleet.blueprint.kubernetes.KubernetesBlueprint;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseMember;
import dev.pgfleet.node.NodeInventory;
import dev.pgfleet.node.Placement;
import dev.pgfleet.provisioning.ClusterObservation;
import dev.pgfleet.provisioning.DataPlaneRuntime;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.DisruptiveOperations;
import dev.pgfleet.provisioning.DesiredClusters;
import dev.pgfleet.provisioning.PatroniRest;
import dev.pgfleet.provisioning.PoolerStats;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * Runs databases on Kubernetes: server-side applies the blueprint's objects whose desired state changed (idempotent;
 * an object whose resourceVersion moved since our apply is applied again, which reverts a hand edit at the next pass: ChangedObjectApplier), observes pods and Patroni's view
 * of the members, and deletes by cascading from the database's root object. Leader changes reach clients through the selector-less primary Service, whose
 * Endpoints this runtime writes to the leader's pod (LeaderRouting), and through PgBouncer, which connects to it.
 */
@Component
@ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "kubernetes")
class KubernetesRuntime implements DataPlaneRuntime, NodeInventory {
    static final String FIELD_MANAGER = "pgfleet";
    /** The apply group of the namespace's shared etcd (ChangedObjectApplier). */
    static final String SHARED_ETCD_GROUP = "shared-etcd";
    static final int POSTGRES_PORT = 5432;
    static final int PATRONI_PORT = 8008;
    static final java.time.Duration TLS_PROBE_TIMEOUT = java.time.Duration.ofSeconds(2);

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final KubernetesProperties properties;
    private final KubernetesObservations observations;
    private final KubernetesFailoverOperations failover;
    private final KubernetesEtcd etcd;
    private final LeaderRouting routing;
    private final KubernetesMemberRollout rollout;
    private final KubernetesTlsReload tlsReload;
    private final ChangedObjectApplier applier;

    @org.springframework.beans.factory.annotation.Autowired
    KubernetesRuntime(KubernetesClient client, KubernetesSettings settings, KubernetesProperties properties,
                      com.fasterxml.jackson.databind.ObjectMapper json, dev.pgfleet.system.process.LocalProcesses processes,
                      KubernetesEtcd etcd, DisruptiveOperations operations) {
        this(client, settings, properties, json, processes, etcd, operations, java.time.Clock.systemUTC());
    }

    /** @param clock when a group of objects is due for its periodic full apply (ChangedObjectApplier) */
    KubernetesRuntime(KubernetesClient client, KubernetesSettings settings, KubernetesProperties properties,
                      com.fasterxml.jackson.databind.ObjectMapper json, dev.pgfleet.system.process.LocalProcesses processes,
                      KubernetesEtcd etcd, DisruptiveOperations operations, java.time.Clock clock) {
        this.client = client;
        this.etcd = etcd;
        this.settings = settings;
        this.properties = properties;
        this.applier = new ChangedObjectApplier(client, settings.namespace(), FIELD_MANAGER, clock);
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(1)).build();
        PatroniRest patroni = new PatroniRest(http, json);
        this.observations = new KubernetesObservations(client, settings, patroni);
        this.failover = new KubernetesFailoverOperations(client, settings, new dev.pgfleet.provisioning.PgBouncerConsole(processes));
        this.routing = new LeaderRouting(client, settings);
        this.rollout = new KubernetesMemberRollout(client, settings, patroni::fetchCluster, (desired, leader, candidate) ->
                failover.switchoverWithPoolersPaused(desired, leader, candidate, patroni, () -> observeCluster(desired)), operations);
        this.tlsReload = new KubernetesTlsReload(client, settings,
                (host, port, ca) -> dev.pgfleet.tls.PresentedCertificate.fetchSerial(host, port, ca, TLS_PROBE_TIMEOUT),
                new KubernetesTlsReload.Reloads() {
                    @Override
                    public void reloadMember(DesiredCluster desired, String podIp) throws Exception {
                        patroni.reload(podIp, PATRONI_PORT, desired.secrets());
                    }

                    @Override
                    public void reloadPooler(DesiredCluster desired, String podIp) {
                        failover.reloadPooler(desired, podIp, dev.pgfleet.blueprint.kubernetes.PoolerObjects.LISTEN_PORT);
                    }
                });
    }

    // ---- what the API needs to know -------------------------------------------------------------

    @Override
    public List<Integer> supportedPostgresVersions() {
        return properties.postgresVersions();
    }

    @Override
    public Optional<Integer> defaultPostgresVersion() {
        return properties.postgresVersions().stream().max(Integer::compare);
    }

    @Override
    public Optional<String> problemWithVersion(int version) {
        return Optional.empty();
    }

    /**
     * Admission: refuses (422) a database the cluster's NVMe nodes cannot hold, before anything is stored for it.
     * Members are named after their pods (the StatefulSet decides those names, and each pod's patroni.yml uses its
     * own), so observations, switchovers and drills speak of the member by the name Patroni knows it by.
     */
    @Override
    public void place(Database database, List<String> memberNames) {
        Plan plan = Plan.fromId(database.getPlan()).orElseThrow();
        Placement.problem(plan, fetchNodes()).ifPresent(problem -> {
            throw new Unprocessable("Cannot be placed", problem + " Nothing was created.");
        });
        List<DatabaseMember> members = new ArrayList<>();
        for (int i = 0; i < memberNames.size(); i++) {
            String podName = KubernetesNames.podName(DesiredClusters.specOf(database), i);
            members.add(new DatabaseMember(database.getId(), i, podName, POSTGRES_PORT, PATRONI_PORT));
        }
        database.assignPorts(POSTGRES_PORT, members);
        if (ReadOnlyEndpoint.offeredFor(plan)) {
            database.assignReadOnlyPorts(POSTGRES_PORT, null);
        }
    }

    @Override
    public Endpoint poolerEndpoint(Database database) {
        return new Endpoint(KubernetesNames.poolerHost(DesiredClusters.specOf(database), settings), POSTGRES_PORT);
    }

    /** The read-only pooler's Service; by plan, so databases placed before it existed have it too (the blueprint adds it by plan). */
    @Override
    public Optional<Endpoint> readOnlyEndpoint(Database database) {
        ClusterSpec spec = DesiredClusters.specOf(database);
        return ReadOnlyEndpoint.offeredFor(spec.plan())
                ? Optional.of(new Endpoint(KubernetesNames.readOnlyPoolerHost(spec, settings), POSTGRES_PORT))
                : Optional.empty();
    }

    @Override
    public Endpoint memberEndpoint(Database database, DatabaseMember member) {
        return new Endpoint(KubernetesNames.memberHost(DesiredClusters.specOf(database), member.getOrdinal(), settings), POSTGRES_PORT);
    }

    // ---- converging -------------------------------------------------------------------------------

    /**
     * Applies (only what changed: ChangedObjectApplier) the shared etcd, the database's etcd user (before its members: with authentication on they cannot
     * start without it, so until the shared etcd answers this step fails and is retried), lets etcd members that
     * lost their volume rejoin (KubernetesEtcd.replaceLostMembers), the root object, then
     * every object the blueprint builds for it; then etcd's authentication once every member has credentials; last,
     * one step of rolling the members onto a changed pod template (the StatefulSet is OnDelete: see MemberRollout).
     */
    @Override
    public void ensureMembers(DesiredCluster desired) {
        applier.applyChanged(SHARED_ETCD_GROUP, KubernetesBlueprint.sharedEtcd(settings));
        etcd.ensureScope(desired);
        etcd.replaceLostMembers();
        // One read per kind for the root and everything it owns: their labels do not depend on the root's uid.
        ConfigMap desiredRoot = KubernetesBlueprint.root(desired.spec(), settings);
        List<HasMetadata> kinds = new ArrayList<>(KubernetesBlueprint.databaseObjects(desired.spec(), settings,
                KubernetesSecrets.of(desired), "uid-not-known-yet"));
        kinds.add(desiredRoot);
        ChangedObjectApplier.Live live = applier.fetchLive(kinds);
        String scope = desired.spec().scope();
        HasMetadata root = applier.applyIfChanged(scope + "/root", List.of(desiredRoot), live).get(0);
        applier.applyIfChanged(scope, KubernetesBlueprint.databaseObjects(desired.spec(), settings,
                KubernetesSecrets.of(desired), root.getMetadata().getUid()), live);
        etcd.enableAuthenticationWhenEveryMemberHasCredentials();
        rollout.rollMembersOneStep(desired);
    }

    /**
     * The pooler's objects are part of {@link #ensureMembers} (its Service and Deployment follow the primary Service).
     * What is left once the database is initialized: every endpoint presents the current certificate. A renewal has
     * rewritten the TLS Secret in ensureMembers; the pods that still present the old one are reloaded
     * (KubernetesTlsReload), never restarted.
     */
    @Override
    public void ensurePooler(DesiredCluster desired) {
        tlsReload.reloadEndpointsPresentingAnOldCertificate(desired);
    }

    /**
     * Every name a client or a peer may use for the database's endpoints, in each form the cluster's DNS resolves:
     * {@code <service>}, {@code .<namespace>}, {@code .<namespace>.svc} (what pgfleet's connection strings and members
     * use) and, when the cluster domain is configured ({@code pgfleet.kubernetes.cluster-domain}), the fully qualified
     * {@code .<namespace>.svc.<domain>}; for the pooler, primary and replica Services, and each member's name under
     * the headless members Service (its only use is by FQDN-style name, so no short forms); and the loopback names
     * Patroni uses for its own member inside the pod. Pod IPs are not in it: they
     * change with every pod, and nothing connects to a pod by IP expecting verification (the control plane's probes
     * only read the presented serial). The pooler Services are one list ({@link #poolerServices}): an added pooler
     * endpoint joins it and its names follow.
     */
    @Override
    public List<String> serverCertificateNames(DesiredCluster desired) {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        List<String> services = new ArrayList<>(poolerServices(desired));
        services.add(KubernetesNames.primaryService(desired.spec()));
        services.add(KubernetesNames.replicaService(desired.spec()));
        for (String service : services) {
            names.add(service);
            names.add(service + "." + settings.namespace());
            names.addAll(clusterNames(service + "." + settings.namespace() + ".svc"));
        }
        for (DesiredCluster.MemberSlot slot : desired.members()) {
            names.addAll(clusterNames(KubernetesNames.memberHost(desired.spec(), slot.ordinal(), settings)));
        }
        // Inside each member pod Patroni reaches its own PostgreSQL as "localhost" (it listens on all addresses), with
        // the sslmode it uses for its peers (verify-full): without these names no member bootstraps (found by the
        // container test with TLS on).
        names.addAll(List.of("localhost", "127.0.0.1", "::1"));
        return List.copyOf(names);
    }

    /** The Services clients reach PgBouncer through: the pooler Service (a read-only pooler Service is added here). */
    List<String> poolerServices(DesiredCluster desired) {
        List<String> services = new ArrayList<>(List.of(KubernetesNames.poolerService(desired.spec())));
        if (ReadOnlyEndpoint.offeredFor(desired.spec().plan())) {
            services.add(KubernetesNames.readOnlyPooler(desired.spec()));
        }
        return List.copyOf(services);
    }

    /** A name ending in .svc, and its fully qualified form when the cluster domain is known. */
    private List<String> clusterNames(String svcName) {
        String domain = properties.clusterDomain() == null ? "" : properties.clusterDomain().strip();
        return domain.isEmpty() ? List.of(svcName) : List.of(svcName, svcName + "." + domain);
    }

    @Override
    public Endpoint leaderEndpoint(DesiredCluster desired, String leader) {
        return new Endpoint(KubernetesNames.primaryHost(desired.spec(), settings), POSTGRES_PORT);
    }

    @Override
    public PoolerStats fetchPoolerStats(DesiredCluster desired) {
        return failover.fetchPoolerStats(desired);
    }

    /**
     * Observes the cluster and then routes clients by it: the primary and replica Services' Endpoints are written
     * whenever they differ from the leader and replicas Patroni reports (see LeaderRouting). Every reconcile pass and
     * every drill observes, so a new leader is routed to within one observation.
     */
    @Override
    public ClusterObservation observeCluster(DesiredCluster desired) {
        ClusterObservation observation = observations.observe(desired);
        routing.applyEndpoints(desired, observation);
        return observation;
    }

    /**
     * Deletes the root object with background propagation, so the garbage collector removes everything it
     * owns, and also deletes each owned object explicitly, so deletion does not wait on the collector. PVCs
     * are kept unless the operator chose {@code pvc-retention=delete}. The scope's keys and etcd user go too.
     */
    @Override
    public void deleteCluster(DesiredCluster desired) {
        ConfigMap root = KubernetesBlueprint.root(desired.spec(), settings);
        List<HasMetadata> owned = KubernetesBlueprint.databaseObjects(desired.spec(), settings,
                KubernetesSecrets.of(desired), "deleting");
        for (int i = owned.size() - 1; i >= 0; i--) {
            client.resource(owned.get(i)).inNamespace(settings.namespace()).delete();
        }
        client.resource(root).inNamespace(settings.namespace()).delete();
        // After the members: once its user is gone, a member still shutting down can write nothing more.
        etcd.removeScope(desired);
        applier.forget(desired.spec().scope(), owned);
        applier.forget(desired.spec().scope() + "/root", List.of(root));
        if ("delete".equals(properties.pvcRetention())) {
            // One by one, by name: a delete by label selector is the verb deletecollection, which the chart does
            // not grant (list and delete suffice, and are all KubernetesPermissions needs on claims).
            for (var claim : client.persistentVolumeClaims().inNamespace(settings.namespace())
                    .withLabel(KubernetesNames.DATABASE_ID_LABEL, desired.spec().scope()).list().getItems()) {
                client.persistentVolumeClaims().inNamespace(settings.namespace()).withName(claim.getMetadata().getName()).delete();
            }
        }
    }

    // ---- nodes --------------------------------------------------------------------------------------

    @Override
    public List<NodeCapacity> fetchNodes() {
        return observations.fetchNodes();
    }

    // ---- switchover and drills ------------------------------------------------------------------------

    @Override
    public void pausePooler(DesiredCluster desired, java.time.Duration timeout) {
        failover.pausePoolers(desired, timeout);
    }

    @Override
    public void resumePooler(DesiredCluster desired) {
        failover.resumePoolers(desired);
    }

    @Override
    public void pointPoolerAt(DesiredCluster desired, String leader, java.time.Duration timeout) {
        // Observing routes (LeaderRouting): the Service moves once Patroni itself reports this leader.
        failover.awaitPrimaryServiceOn(desired, leader, timeout, () -> observeCluster(desired));
    }

    @Override
    public String patroniAddress(DesiredCluster desired, String member) {
        return failover.patroniAddress(desired, member);
    }

    /** Freezes the member inside its pod; {@link #endAbruptFailure} SIGKILLs it once the drill has seen a new leader. */
    @Override
    public void killMemberAbruptly(DesiredCluster desired, String member) {
        failover.freezeMember(desired, member);
    }

    @Override
    public void endAbruptFailure(DesiredCluster desired, String member) {
        failover.crashFrozenMember(desired, member);
    }
}
