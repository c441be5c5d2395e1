package dev.pgfleet.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.MemberCrash;
import dev.pgfleet.provisioning.kubernetes.PresentedCertificates;
import dev.pgfleet.provisioning.kubernetes.ServerSideApplyCrudDispatcher;
import dev.pgfleet.testsupport.kubernetes.ChartRbac;
import dev.pgfleet.testsupport.kubernetes.RecordingDispatcher;
import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.DataPlaneProcesses;
import dev.pgfleet.testsupport.Polling;
import dev.pgfleet.testsupport.podman.Podman;
import dev.pgfleet.testsupport.podman.PodmanCluster;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An {@code ha} database on Kubernetes with its pods run for real: the control plane (the Spring Boot application, the
 * Kubernetes runtime) applies the blueprint to an API server, and the pods the controllers make of the StatefulSets,
 * the Deployment and the verification Job run as containers of pgfleet's own images under podman, each exactly as its
 * pod spec says (command, arguments, environment incl. the downward API, config files from Secrets and ConfigMaps,
 * volumes, ports, probes, users, read-only root, dropped capabilities; what the harness cannot honour it refuses:
 * {@link dev.pgfleet.testsupport.podman.PodmanPodPlan}). Through the control plane's REST API the test creates the
 * database, runs a pgvector query through the pooler Service, kills the leader's container and sees a new leader
 * elected and the pooler follow it, freezes and then kills the new leader as the kill-primary drill does (failover while
 * frozen, rejoin as a replica after the kill), runs a switchover (PAUSE/RESUME on both pooler pods, real member names), and
 * takes a backup that the verification Job (a container of the control-plane image) verifies.
 *
 * <p>Substituted, and nothing else:
 * <ul>
 *   <li>the API server: fabric8's mock in CRUD mode (server-side apply emulated by {@link ServerSideApplyCrudDispatcher});</li>
 *   <li>the controllers (StatefulSet, Deployment, Job, Endpoints, garbage collector), the kubelet with its probes,
 *       kube-proxy and the cluster DNS: {@link PodmanCluster} (a forwarder per ClusterIP Service on a virtual address of
 *       the test network; DNS as a hosts file the pods mount as /etc/hosts and this JVM reads through
 *       {@code -Djdk.net.hosts.file}, which is why this class runs in a failsafe execution of its own);</li>
 *   <li>PersistentVolumeClaims: host directories, kept across pod restarts;</li>
 *   <li>NetworkPolicies: applied to the API but not enforced (podman has no equivalent);</li>
 *   <li>pods/exec: the drill's two commands ({@link MemberCrash}) run through {@code podman exec} (the mock API has no
 *       exec; the control plane's exec request is tested against the mock in KubernetesFailoverOperationsIntegrationTest);</li>
 *   <li>scheduling and node affinity: every pod runs on this one machine (the NVMe nodes exist only in the API);
 *       CPU and memory limits are enforced as cgroup limits, memory requests and ephemeral storage are not.</li>
 * </ul>
 * Skipped, with the reason, where podman or the images are missing ({@code ./pgfleet images} builds them). Tagged
 * {@code containers}: the failsafe execution {@code container-tests} runs it, in a JVM started with the hosts file.
 */
@Tag("containers")
class KubernetesDatabaseContainerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAMESPACE = "pgfleet";
    private static final String BACKUP_CLAIM = "pgfleet-backups";
    private static final Duration READY_WITHIN = Duration.ofMinutes(5);

    @Test
    void anHaDatabaseRunsAsContainersOfOurImagesFailsOverSwitchesOverAndIsBackedUp() throws Exception {
        assumeTrue(Podman.available(), "podman and runc are not installed: ./pgfleet images installs them");
        String hostsFile = System.getProperty("jdk.net.hosts.file");
        assumeTrue(hostsFile != null, "runs in its own failsafe execution (container-tests), whose JVM resolves the test"
                + " cluster's names through -Djdk.net.hosts.file");
        String version = ImageVersions.projectVersionFromPom();
        Path work = Files.createTempDirectory(Path.of("/tmp"), "pgfleet-containers-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        PodmanCluster.prepareHostsFile(Path.of(hostsFile));
        // Every request of the control plane is recorded and, at the end, checked against the chart's RBAC; the test
        // cluster's (controllers, kubelet) and the test's own go through the cluster client and are not.
        RecordingDispatcher dispatcher = new RecordingDispatcher();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        try (Podman podman = Podman.start(work.resolve("podman"))) {
            assumeTrue(podman.hasImage("localhost/pgfleet/dataplane:" + version), "pgfleet/dataplane:" + version
                    + " is not built: run ./pgfleet images");
            assumeTrue(podman.hasImage("localhost/pgfleet/control-plane:" + version), "pgfleet/control-plane:" + version
                    + " is not built: run ./pgfleet images");
            server.init();
            KubernetesClient client = RecordingDispatcher.clusterClient(server);
            System.setProperty("kubernetes.master", client.getConfiguration().getMasterUrl());
            System.setProperty("kubernetes.trust.certificates", "true");
            System.setProperty("kubernetes.auth.tryKubeConfig", "false");
            System.setProperty("kubernetes.auth.tryServiceAccount", "false");
            System.setProperty("kubernetes.namespace", NAMESPACE);
            for (String node : List.of("node-a", "node-b", "node-c")) {
                client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).addToLabels("pgfleet.dev/storage", "nvme")
                        .endMetadata().withNewStatus().addToAllocatable("cpu", new Quantity("8"))
                        .addToAllocatable("memory", new Quantity("32Gi")).endStatus().build()).create();
            }
            Path backups = work.resolve("backups");
            Files.createDirectories(backups);
            Files.setPosixFilePermissions(backups, PosixFilePermissions.fromString("rwxr-xr-x"));
            int octet = 100 + ThreadLocalRandom.current().nextInt(100);
            try (PodmanCluster cluster = PodmanCluster.start(client, NAMESPACE, podman, "pgfleet-k8s-" + octet, octet,
                    Path.of(hostsFile), work.resolve("cluster"))) {
                cluster.bindClaim(BACKUP_CLAIM, backups);
                Map<String, Object> properties = new HashMap<>();
                properties.put("pgfleet.runtime", "kubernetes");
                properties.put("pgfleet.kubernetes.namespace", NAMESPACE);
                properties.put("pgfleet.backup.directory", backups.toString());
                properties.put("pgfleet.backup.verification.namespace", NAMESPACE);
                properties.put("pgfleet.backup.verification.image", "localhost/pgfleet/control-plane:" + version);
                properties.put("pgfleet.backup.verification.claim-name", BACKUP_CLAIM);
                properties.put("pgfleet.backup.verification.poll-interval", "500ms");
                try (ControlPlane cp = ControlPlane.start(properties)) {
                    new Scenario(cp, client, cluster).run();
                }
                assertThat(dispatcher.requests()).as("the control plane's requests were recorded").isNotEmpty();
                ChartRbac.assertAllowed(ChartRbac.installedAs("pgfleet", NAMESPACE, NAMESPACE), dispatcher.requests());
            }
        } finally {
            for (String p : new String[] {"kubernetes.master", "kubernetes.trust.certificates", "kubernetes.auth.tryKubeConfig",
                    "kubernetes.auth.tryServiceAccount", "kubernetes.namespace"}) {
                System.clearProperty(p);
            }
            server.destroy();
            DataPlaneProcesses.deleteRecursively(work);
        }
    }

    /** The steps, in order, against one database. */
    private static final class Scenario {
        private final ControlPlane cp;
        private final KubernetesClient client;
        private final PodmanCluster cluster;
        private String token;
        private String id;
        private ClusterSpec spec;

        Scenario(ControlPlane cp, KubernetesClient client, PodmanCluster cluster) {
            this.cp = cp;
            this.client = client;
            this.cluster = cluster;
        }

        void run() throws Exception {
            createAndAwaitReady();
            vectorQueryThroughThePooler();
            tlsThroughThePoolerWithVerifyFull();
            leaderContainerKilled();
            leaderFrozenAndKilledAsTheDrillDoes();
            switchover();
            replicaPodDeletedThroughTheApi();
            backupVerifiedInAJob();
        }

        private String base() {
            return "/api/v1/databases/" + id;
        }

        void createAndAwaitReady() {
            token = cp.createTenant("containers");
            ControlPlane.Response accepted = cp.post("/api/v1/databases", token, "{\"name\":\"shop\",\"plan\":\"ha\"}");
            assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
            id = accepted.json().get("id").asText();
            spec = new ClusterSpec(id, "shop", Plan.HA, 15);
            try {
                cp.awaitStatus(id, token, "READY", READY_WITHIN);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + diagnostics(), e);
            }
            // The members are the StatefulSet's pods, by name, in the API and in Patroni's own view.
            TreeSet<String> expected = new TreeSet<>();
            for (int i = 0; i < 3; i++) {
                expected.add(KubernetesNames.statefulSet(spec) + "-" + i);
            }
            assertThat(memberNames()).isEqualTo(expected);
            assertThat(patroniClusterNames()).isEqualTo(expected);
        }

        void vectorQueryThroughThePooler() throws Exception {
            int before = cluster.connectionsTo(KubernetesNames.poolerService(spec), 5432);
            try (Connection c = cp.pooledConnection(id, token); Statement s = c.createStatement()) {
                // pgfleet created the extension; the tenant only uses it.
                try (ResultSet rs = s.executeQuery("select extversion from pg_extension where extname = 'vector'")) {
                    assertThat(rs.next()).as("pgvector is installed by pgfleet").isTrue();
                }
                s.execute("create table items (id int primary key, embedding vector(3))");
                s.execute("insert into items values (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0,0,1]'), (4, '[0.9,0.1,0.1]')");
                List<Integer> nearest = new ArrayList<>();
                try (ResultSet rs = s.executeQuery("select id from items order by embedding <-> '[1,0.05,0.05]' limit 2")) {
                    while (rs.next()) {
                        nearest.add(rs.getInt(1));
                    }
                }
                assertThat(nearest).containsExactly(1, 4);
            }
            assertThat(cluster.connectionsTo(KubernetesNames.poolerService(spec), 5432))
                    .as("the session went through the pooler Service's address").isGreaterThan(before);
        }

        /**
         * TLS for real: the database's TLS Secret, mounted into every pod, is what each pooler and member pod presents
         * (by serial, probed by SSLRequest on each pod's address), the key file as PostgreSQL accepts it (root-owned,
         * 0440); the pooler Service and a member, each by the name a client uses, accept a verify-full connection with
         * the CA the API hands out, and refuse plaintext. The pooler's own connection to the leader is TLS too.
         */
        void tlsThroughThePoolerWithVerifyFull() throws Exception {
            ControlPlane.Response caCrt = cp.get(base() + "/ca.crt", token);
            assertThat(caCrt.status()).as(caCrt.body()).isEqualTo(200);
            String caPem = caCrt.body();
            var secret = client.secrets().inNamespace(NAMESPACE).withName(KubernetesNames.tlsSecret(spec)).get();
            assertThat(secret).as("the database's TLS Secret").isNotNull();
            assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
            String certificatePem = secretValue(secret, "tls.crt");
            java.math.BigInteger serial = PresentedCertificates.serialOf(certificatePem);
            assertThat(secretValue(secret, "ca.crt").strip()).as("the Secret's CA is the one the API hands out")
                    .isEqualTo(caPem.strip());
            for (Pod pod : client.pods().inNamespace(NAMESPACE).list().getItems()) {
                String component = pod.getMetadata().getLabels().get(KubernetesNames.COMPONENT_LABEL);
                int port = KubernetesNames.POOLER_COMPONENT.equals(component) ? 6432
                        : KubernetesNames.POSTGRES_COMPONENT.equals(component) ? 5432 : -1;
                if (port > 0) {
                    assertThat(PresentedCertificates.serial(pod.getStatus().getPodIP(), port, caPem))
                            .as(pod.getMetadata().getName() + " presents the mounted certificate").contains(serial);
                }
            }
            String member = KubernetesNames.podName(spec, 0);
            Podman.Result key = cluster.podman().exec(PodmanCluster.containerName(member, MemberCrash.CONTAINER),
                    List.of("stat", "-L", "-c", "%a %u", "/etc/pgfleet/tls/tls.key"), Duration.ofSeconds(30));
            assertThat(key.output().strip()).as("mounted as PostgreSQL accepts a key: root-owned, group-readable only").isEqualTo("440 0");

            Path caFile = Files.createTempFile("pgfleet-ca-", ".crt");
            try {
                Files.writeString(caFile, caPem);
                JsonNode credentials = cp.get(base() + "/credentials", token).json();
                URI pooler = URI.create(credentials.get("poolerUri").asText());
                java.util.Properties p = new java.util.Properties();
                p.setProperty("user", credentials.get("username").asText());
                p.setProperty("password", credentials.get("password").asText());
                p.setProperty("sslmode", "verify-full");
                p.setProperty("sslrootcert", caFile.toString());
                try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://" + pooler.getHost() + ":" + pooler.getPort()
                        + pooler.getPath(), p); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("select ssl from pg_stat_ssl where pid = pg_backend_pid()")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getBoolean(1)).as("the pooler's connection to the leader is TLS too").isTrue();
                }
                String memberHost = KubernetesNames.memberHost(spec, 0, cp.bean(dev.pgfleet.blueprint.kubernetes.KubernetesSettings.class));
                try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://" + memberHost + ":5432" + pooler.getPath(), p);
                     Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select ssl from pg_stat_ssl where pid = pg_backend_pid()")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getBoolean(1)).as("a member by its name, verify-full").isTrue();
                }
                // The read-only endpoint: its own PgBouncer pods behind <base>-ro, over the replica Service whose
                // Endpoints the control plane writes; verify-full, a replica answers, a write fails read-only.
                URI readOnly = URI.create(credentials.get("readOnlyUri").asText());
                assertThat(readOnly.getHost()).isEqualTo(KubernetesNames.readOnlyPoolerHost(spec,
                        cp.bean(dev.pgfleet.blueprint.kubernetes.KubernetesSettings.class)));
                try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://" + readOnly.getHost() + ":"
                        + readOnly.getPort() + readOnly.getPath(), p); Statement s = c.createStatement()) {
                    try (ResultSet rs = s.executeQuery("select pg_is_in_recovery(), ssl from pg_stat_ssl where pid = pg_backend_pid()")) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getBoolean(1)).as("read-only transactions run on a replica").isTrue();
                        assertThat(rs.getBoolean(2)).as("the read-only pooler's connection to the replica is TLS").isTrue();
                    }
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.execute("create table written_through_read_only (id int)"))
                            .isInstanceOf(SQLException.class).extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("25006");
                }
                p.setProperty("sslmode", "disable");
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> java.sql.DriverManager.getConnection("jdbc:postgresql://"
                        + pooler.getHost() + ":" + pooler.getPort() + pooler.getPath(), p).close())
                        .as("plaintext from outside the pod is refused").isInstanceOf(SQLException.class);
            } finally {
                Files.deleteIfExists(caFile);
            }
        }

        void leaderContainerKilled() throws Exception {
            String leader = leader();
            Pod leaderPod = client.pods().inNamespace(NAMESPACE).withName(leader).get();
            int restartsBefore = leaderPod.getStatus().getContainerStatuses().get(0).getRestartCount();
            String container = PodmanCluster.containerName(leader, "postgres");
            // A first crash is restarted at once (as the kubelet does), and Patroni, back within the leader key's TTL,
            // may keep its lock: the container is killed again once restarted, and the kubelet's back-off (10 s, more
            // than the plan's TTL of 7 s) keeps it down long enough for the others to elect a new leader.
            cluster.podman().kill(container);
            cluster.awaitPod(leader, Duration.ofSeconds(60), p -> p.getStatus().getContainerStatuses().get(0).getRestartCount() > restartsBefore
                    && p.getStatus().getContainerStatuses().get(0).getState().getRunning() != null);
            cluster.podman().kill(container);
            Pod crashLooping = cluster.awaitPod(leader, Duration.ofSeconds(30), p -> p.getStatus().getContainerStatuses().get(0).getState()
                    .getWaiting() != null);
            assertThat(crashLooping.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
            assertThat(PodmanCluster.isReady(crashLooping)).as("a container waiting to restart is not ready").isFalse();

            // A new leader, and writes through the pooler reach it.
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            String newLeader = null;
            String servedBy = null;
            SQLException lastError = null;
            while (System.nanoTime() < deadline) {
                String current = leaderOrNull();
                if (current != null && !current.equals(leader)) {
                    try (Connection c = cp.pooledConnection(id, token); Statement s = c.createStatement()) {
                        s.execute("insert into items values (10, '[0.5,0.5,0]') on conflict (id) do nothing");
                        try (ResultSet rs = s.executeQuery("select pg_is_in_recovery(), host(inet_server_addr())")) {
                            rs.next();
                            if (!rs.getBoolean(1)) {
                                newLeader = current;
                                servedBy = rs.getString(2);
                                break;
                            }
                        }
                    } catch (SQLException e) {
                        lastError = e; // the pooler is still on its way to the new leader
                    }
                }
                Thread.sleep(500);
            }
            assertThat(newLeader).as("a new leader took writes through the pooler; last error: " + lastError + "\n" + diagnostics())
                    .isNotNull();
            Pod newLeaderPod = client.pods().inNamespace(NAMESPACE).withName(newLeader).get();
            assertThat(servedBy).as("the write was served by the new leader's pod").isEqualTo(newLeaderPod.getStatus().getPodIP());

            // The killed container is restarted in its pod (same name, same claim), not ready until its probe passes.
            cluster.awaitPod(leader, Duration.ofSeconds(60), p -> p.getStatus().getContainerStatuses().get(0).getRestartCount() == restartsBefore + 2);
            cluster.awaitPod(leader, Duration.ofSeconds(120), PodmanCluster::isReady);
            assertThat(client.pods().inNamespace(NAMESPACE).withName(leader).get().getMetadata().getUid())
                    .as("restarted in the same pod, on the same claim").isEqualTo(leaderPod.getMetadata().getUid());
            cp.awaitDatabase(id, token, READY_WITHIN, d -> "READY".equals(d.path("status").asText()) && roles(d).size() == 3
                    && roles(d).stream().filter("leader"::equals).count() == 1);
        }

        /**
         * The kill-primary drill's two steps (MemberCrash, sent through pods/exec by the control plane; here through
         * podman exec, the mock API having no exec): frozen, the leader loses its key and another member is elected
         * within the plan's ttl; killed, its container restarts in the same pod and it rejoins as a replica. A bare
         * SIGKILL would not do (see leaderContainerKilled): the restarted Patroni would keep its lock.
         */
        void leaderFrozenAndKilledAsTheDrillDoes() throws Exception {
            String leader = leader();
            String container = PodmanCluster.containerName(leader, MemberCrash.CONTAINER);
            int restartsBefore = client.pods().inNamespace(NAMESPACE).withName(leader).get().getStatus().getContainerStatuses().get(0)
                    .getRestartCount();
            Podman.Result frozen = cluster.podman().exec(container, MemberCrash.freeze(), Duration.ofSeconds(30));
            assertThat(frozen.exitCode()).as(frozen.output()).isZero();

            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String newLeader = null;
            while (System.nanoTime() < deadline && (newLeader == null || newLeader.equals(leader))) {
                Thread.sleep(250);
                newLeader = leaderOrNull();
            }
            assertThat(newLeader).as("another member elected while " + leader + " is frozen\n" + diagnostics())
                    .isNotNull().isNotEqualTo(leader);
            assertThat(client.pods().inNamespace(NAMESPACE).withName(leader).get().getStatus().getContainerStatuses().get(0)
                    .getRestartCount()).as("frozen, not restarted").isEqualTo(restartsBefore);

            cluster.podman().exec(container, MemberCrash.crash(), Duration.ofSeconds(30));
            cluster.awaitPod(leader, Duration.ofSeconds(60), p -> p.getStatus().getContainerStatuses().get(0).getRestartCount() > restartsBefore);
            cluster.awaitPod(leader, Duration.ofSeconds(120), PodmanCluster::isReady);
            String electedWhileFrozen = newLeader;
            JsonNode back = cp.awaitDatabase(id, token, READY_WITHIN, d -> "READY".equals(d.path("status").asText()) && roles(d).size() == 3
                    && roles(d).stream().filter("leader"::equals).count() == 1);
            assertThat(leaderOf(back)).as("the old leader rejoined as a replica of the member elected while it was frozen").isEqualTo(electedWhileFrozen);
        }

        void switchover() throws Exception {
            List<String> poolerPods = client.pods().inNamespace(NAMESPACE)
                    .withLabels(KubernetesNames.selector(spec, KubernetesNames.POOLER_COMPONENT)).list().getItems().stream()
                    .map(p -> p.getMetadata().getName()).sorted().toList();
            assertThat(poolerPods).hasSize(2);
            for (String pod : poolerPods) {
                assertThat(cluster.podman().logs(PodmanCluster.containerName(pod, "pgbouncer"))).doesNotContain("PAUSE command issued");
            }
            String before = leader();
            ControlPlane.Response r = cp.postOnceClusterIsWhole(base() + "/switchover", token, "");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode result = r.json();
            assertThat(result.get("oldLeader").asText()).isEqualTo(before);
            String after = result.get("newLeader").asText();
            assertThat(after).isNotEqualTo(before).startsWith(KubernetesNames.statefulSet(spec) + "-");
            assertThat(result.get("poolerPausedMillis").asLong()).isGreaterThanOrEqualTo(0);
            // Each pooler pod's PgBouncer got PAUSE, then RESUME, on its admin console.
            for (String pod : poolerPods) {
                // conmon may write the last line of the log a moment after the switchover has answered.
                String logs = Polling.until(pod + " logs RESUME", Duration.ofSeconds(15), Duration.ofMillis(250),
                        () -> cluster.podman().logs(PodmanCluster.containerName(pod, "pgbouncer")), l -> l.contains("RESUME command issued"));
                assertThat(logs).as(pod).contains("PAUSE command issued").contains("RESUME command issued");
                assertThat(logs.lastIndexOf("RESUME command issued")).isGreaterThan(logs.lastIndexOf("PAUSE command issued"));
            }
            // Patroni itself has the new leader by that name, and writes through the pooler reach it.
            cp.awaitDatabase(id, token, Duration.ofSeconds(60), d -> after.equals(leaderOf(d)));
            assertThat(patroniLeader()).isEqualTo(after);
            try (Connection c = cp.pooledConnection(id, token); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select pg_is_in_recovery(), host(inet_server_addr())")) {
                rs.next();
                assertThat(rs.getBoolean(1)).isFalse();
                assertThat(rs.getString(2)).isEqualTo(client.pods().inNamespace(NAMESPACE).withName(after).get().getStatus().getPodIP());
            }
        }

        /** The StatefulSet controller's part: same name, same claim (the data kept), a new address the DNS follows. */
        void replicaPodDeletedThroughTheApi() throws Exception {
            String leader = leader();
            String replica = memberNames().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
            Pod old = client.pods().inNamespace(NAMESPACE).withName(replica).get();
            String claim = "pgdata-" + replica;
            Path claimDirectory = cluster.claimDirectory(claim).orElseThrow();
            assertThat(claimDirectory.resolve("pgdata").resolve("PG_VERSION")).exists();
            String memberHost = KubernetesNames.memberHost(spec, Integer.parseInt(replica.substring(replica.lastIndexOf('-') + 1)),
                    cp.bean(dev.pgfleet.blueprint.kubernetes.KubernetesSettings.class));
            assertThat(java.net.InetAddress.getByName(memberHost).getHostAddress()).isEqualTo(old.getStatus().getPodIP());

            client.pods().inNamespace(NAMESPACE).withName(replica).delete();

            Pod recreated = cluster.awaitPod(replica, Duration.ofSeconds(120), p -> !p.getMetadata().getUid().equals(old.getMetadata().getUid())
                    && PodmanCluster.isReady(p));
            assertThat(recreated.getSpec().getVolumes()).anyMatch(v -> v.getPersistentVolumeClaim() != null
                    && claim.equals(v.getPersistentVolumeClaim().getClaimName()));
            assertThat(cluster.claimDirectory(claim)).hasValue(claimDirectory);
            assertThat(recreated.getStatus().getPodIP()).isNotEqualTo(old.getStatus().getPodIP());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!recreated.getStatus().getPodIP().equals(java.net.InetAddress.getByName(memberHost).getHostAddress())
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(java.net.InetAddress.getByName(memberHost).getHostAddress()).as("the DNS follows the new pod")
                    .isEqualTo(recreated.getStatus().getPodIP());
            cp.awaitDatabase(id, token, READY_WITHIN, d -> "READY".equals(d.path("status").asText()) && roles(d).size() == 3
                    && leader.equals(leaderOf(d)));
        }

        void backupVerifiedInAJob() {
            ControlPlane.Response started = cp.post(base() + "/backups", token, "");
            assertThat(started.status()).as(started.body()).isEqualTo(202);
            String backupId = started.json().get("id").asText();
            JsonNode backup = cp.awaitBackup(id, token, backupId, Duration.ofMinutes(4),
                    b -> List.of("PASSED", "FAILED").contains(b.path("verification").asText()) || "FAILED".equals(b.path("status").asText()));
            assertThat(backup.get("status").asText()).as(backup.toString()).isEqualTo("SUCCEEDED");
            assertThat(backup.get("verification").asText()).as(backup.toString()).isEqualTo("PASSED");
            assertThat(backup.get("verificationReason").asText()).contains("vector");
        }

        // ---- reading the state -----------------------------------------------------------------------------

        private JsonNode database() {
            return cp.get(base(), token).json();
        }

        private TreeSet<String> memberNames() {
            TreeSet<String> names = new TreeSet<>();
            database().get("members").forEach(m -> names.add(m.get("name").asText()));
            return names;
        }

        private static List<String> roles(JsonNode d) {
            List<String> roles = new ArrayList<>();
            d.path("members").forEach(m -> {
                if (!m.path("role").isNull() && !m.path("role").asText("").isEmpty()) {
                    roles.add(m.get("role").asText());
                }
            });
            return roles;
        }

        private static String leaderOf(JsonNode d) {
            for (JsonNode m : d.path("members")) {
                if ("leader".equals(m.path("role").asText())) {
                    return m.get("name").asText();
                }
            }
            return null;
        }

        private String leaderOrNull() {
            return leaderOf(database());
        }

        private String leader() {
            String leader = leaderOrNull();
            assertThat(leader).as("the API names a leader: " + database()).isNotNull();
            return leader;
        }

        /** Patroni's /cluster, from a ready member pod's REST API: its members' names. */
        private TreeSet<String> patroniClusterNames() {
            TreeSet<String> names = new TreeSet<>();
            patroniCluster().get("members").forEach(m -> names.add(m.get("name").asText()));
            return names;
        }

        private String patroniLeader() {
            for (JsonNode m : patroniCluster().get("members")) {
                if ("leader".equals(m.path("role").asText())) {
                    return m.get("name").asText();
                }
            }
            return null;
        }

        private JsonNode patroniCluster() {
            Pod pod = client.pods().inNamespace(NAMESPACE).withLabels(KubernetesNames.selector(spec, KubernetesNames.POSTGRES_COMPONENT))
                    .list().getItems().stream().filter(PodmanCluster::isReady).findFirst().orElseThrow();
            try {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://" + pod.getStatus().getPodIP() + ":8008/cluster")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                return JSON.readTree(r.body());
            } catch (Exception e) {
                throw new AssertionError("Patroni's /cluster on " + pod.getMetadata().getName() + ": " + e, e);
            }
        }

        /** What to read when a step times out: each pod's status and the end of its containers' logs. */
        private String diagnostics() {
            StringBuilder sb = new StringBuilder("cluster loop: ").append(cluster.lastFailure().map(Throwable::toString).orElse("ok"));
            for (Pod p : client.pods().inNamespace(NAMESPACE).list().getItems()) {
                sb.append("\n--- pod ").append(p.getMetadata().getName()).append(": ").append(p.getStatus() == null ? "" :
                        p.getStatus().getPhase() + " ip=" + p.getStatus().getPodIP() + " " + p.getStatus().getConditions());
                for (var c : p.getSpec().getContainers()) {
                    String logs = cluster.podman().logs(PodmanCluster.containerName(p.getMetadata().getName(), c.getName()));
                    sb.append("\n").append(logs.length() > 3000 ? logs.substring(logs.length() - 3000) : logs);
                }
            }
            return sb.toString();
        }
    }

    /**
     * A Secret's value as the kubelet would mount it: the runtime writes stringData, which a real API server folds
     * into data (base64) and the mock server keeps as it is.
     */
    private static String secretValue(io.fabric8.kubernetes.api.model.Secret secret, String key) {
        if (secret.getData() != null && secret.getData().get(key) != null) {
            return new String(java.util.Base64.getDecoder().decode(secret.getData().get(key)), java.nio.charset.StandardCharsets.US_ASCII);
        }
        assertThat(secret.getStringData()).as("the Secret holds " + key).containsKey(key);
        return secret.getStringData().get(key);
    }
}
