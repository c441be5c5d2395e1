package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.TlsMaterial;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.blueprint.kubernetes.PoolerObjects;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.system.process.DataPlaneUser;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.testsupport.DataPlaneProcesses;
import dev.pgfleet.testsupport.kubernetes.RbacCheckedMockServer;
import dev.pgfleet.tls.PresentedCertificate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Renewal on Kubernetes, with a real PgBouncer playing a pooler pod's container: its TLS files are written as the
 * kubelet writes a mounted Secret (root-owned, group = the pod's fsGroup, 0440, replaced by rename), the pods are in
 * fabric8's mock API (every request of the reload checked against the chart's RBAC), and the reload step probes the
 * real PgBouncer with an SSLRequest handshake and sends RELOAD on its real admin console. Shows: an endpoint presenting
 * the desired serial is left alone; one presenting an old serial is reloaded, again each pass while the kubelet has not
 * refreshed its files, and presents the new certificate after the reload that follows the refresh; an unreachable
 * member is left to a later pass.
 */
@Tag("integration")
class KubernetesTlsReloadIntegrationTest {
    private static final String POOLER_POD = "shop-pooler-a";
    private final KubernetesSettings settings = KubernetesSettings.defaults();
    private final TestCertificates ca = new TestCertificates("pgfleet test CA");
    private RbacCheckedMockServer api;
    private Path home;
    private Path tlsDir;
    private ProcessHandle pgbouncer;
    private int pgbouncerPort;
    private int closedPort;
    private LocalProcesses processes;
    private final AtomicInteger probes = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/local/bin/pgbouncer")) || Files.isExecutable(Path.of("/usr/sbin/pgbouncer")),
                "PgBouncer is not installed");
        api = RbacCheckedMockServer.start();
        home = Files.createTempDirectory(Path.of("/tmp"), "pgfleet-tlsreload-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        tlsDir = Files.createDirectory(home.resolve("tls"));
        Files.setPosixFilePermissions(tlsDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        processes = new LocalProcesses(DataPlaneUser.forCurrentProcess("postgres"));
        pgbouncerPort = freePort();
        closedPort = freePort();
    }

    @AfterEach
    void stop() throws IOException {
        if (pgbouncer != null) {
            processes.stop(pgbouncer, Duration.ofSeconds(5));
        }
        if (api != null) {
            api.closeAndAssertAllowed(settings);
        }
        if (home != null) {
            DataPlaneProcesses.deleteRecursively(home);
        }
    }

    @Test
    void onlyAnEndpointPresentingAnOldCertificateIsReloadedUntilItPresentsTheNewOne() throws Exception {
        DesiredCluster base = desired();
        TlsMaterial first = ca.issue(List.of("shop-pooler.pgfleet.svc"));
        TlsMaterial renewed = ca.issue(List.of("shop-pooler.pgfleet.svc"));
        writeAsTheKubelet(first);
        startPgBouncer();
        createPods(base.spec());
        KubernetesTlsReload reload = reload();

        // Current: nothing reloaded; the member (nothing listens at its address) is left to a later pass.
        KubernetesTlsReload.Pass pass = reload.reloadEndpointsPresentingAnOldCertificate(base.withTls(first));
        assertThat(pass.current()).extracting(KubernetesTlsReload.Endpoint::pod).containsExactly(POOLER_POD);
        assertThat(pass.reloaded()).isEmpty();
        assertThat(pass.notServing()).extracting(KubernetesTlsReload.Endpoint::pod).containsExactly(KubernetesNames.podName(base.spec(), 0));
        assertThat(presentedSerial()).isEqualTo(first.serial());

        // Renewed, but the kubelet has not refreshed the files yet: reloaded, still the old one, reloaded again next pass.
        DesiredCluster renewedDesired = base.withTls(renewed);
        for (int i = 0; i < 2; i++) {
            pass = reload.reloadEndpointsPresentingAnOldCertificate(renewedDesired);
            assertThat(pass.reloaded()).extracting(KubernetesTlsReload.Endpoint::pod).containsExactly(POOLER_POD);
            assertThat(presentedSerial()).isEqualTo(first.serial());
        }

        // The kubelet refreshes the files: a file change alone changes nothing PgBouncer presents; the next reload does.
        writeAsTheKubelet(renewed);
        assertThat(presentedSerial()).as("PgBouncer reads its TLS files on RELOAD only").isEqualTo(first.serial());
        pass = reload.reloadEndpointsPresentingAnOldCertificate(renewedDesired);
        assertThat(pass.reloaded()).extracting(KubernetesTlsReload.Endpoint::pod).containsExactly(POOLER_POD);
        assertThat(presentedSerial()).isEqualTo(renewed.serial());

        pass = reload.reloadEndpointsPresentingAnOldCertificate(renewedDesired);
        assertThat(pass.reloaded()).isEmpty();
        assertThat(pass.current()).extracting(KubernetesTlsReload.Endpoint::pod).containsExactly(POOLER_POD);
        assertThat(Files.readString(home.resolve("pgbouncer.out"))).contains("RELOAD command issued");
    }

    @Test
    void aDatabaseWithoutATlsIdentityIsNotProbed() throws Exception {
        DesiredCluster base = desired();
        createPods(base.spec());

        KubernetesTlsReload.Pass pass = reload().reloadEndpointsPresentingAnOldCertificate(base);

        assertThat(pass.reloaded()).isEmpty();
        assertThat(pass.current()).isEmpty();
        assertThat(probes).hasValue(0);
    }

    // ---- the test's cluster ------------------------------------------------------------------------------------------

    /**
     * The reload step as the runtime wires it, with the ports mapped to this test's: a pooler pod's 6432 is the real
     * PgBouncer's port, a member's 5432 a port where nothing listens; the RELOAD goes through the runtime's own admin
     * console call (psql).
     */
    private KubernetesTlsReload reload() {
        KubernetesFailoverOperations failover = new KubernetesFailoverOperations(api.controlPlane(), settings, new dev.pgfleet.provisioning.PgBouncerConsole(processes));
        return new KubernetesTlsReload(api.controlPlane(), settings, (host, port, caPem) -> {
            probes.incrementAndGet();
            return PresentedCertificate.fetchSerial(host, port == PoolerObjects.LISTEN_PORT ? pgbouncerPort : closedPort, caPem,
                    Duration.ofSeconds(2));
        }, new KubernetesTlsReload.Reloads() {
            @Override
            public void reloadMember(DesiredCluster desired, String podIp) {
                throw new AssertionError("no member presents a certificate here");
            }

            @Override
            public void reloadPooler(DesiredCluster desired, String podIp) {
                failover.reloadPooler(desired, podIp, pgbouncerPort);
            }
        });
    }

    private void createPods(ClusterSpec spec) {
        var pods = api.cluster().pods().inNamespace(settings.namespace());
        pods.resource(pod(POOLER_POD, KubernetesNames.POOLER_COMPONENT, spec, "Running", "127.0.0.1")).create();
        // Not running yet: not asked.
        pods.resource(pod("shop-pooler-b", KubernetesNames.POOLER_COMPONENT, spec, "Pending", null)).create();
        pods.resource(pod(KubernetesNames.podName(spec, 0), KubernetesNames.POSTGRES_COMPONENT, spec, "Running", "127.0.0.1")).create();
    }

    private static Pod pod(String name, String component, ClusterSpec spec, String phase, String ip) {
        return new PodBuilder().withNewMetadata().withName(name).withLabels(KubernetesNames.selector(spec, component)).endMetadata()
                .withNewStatus().withPhase(phase).withPodIP(ip).endStatus().build();
    }

    private DesiredCluster desired() {
        UUID id = UUID.randomUUID();
        ClusterSpec spec = new ClusterSpec(id.toString(), "shop", Plan.DEV, 15);
        return new DesiredCluster(id, spec, new ClusterSecrets("su", "repl", "rest", "dcs"), "owner-pw",
                "SCRAM-SHA-256$4096:c2FsdA==$a:b", "admin-pw", "SCRAM-SHA-256$4096:c2FsdA==$c:d",
                IntStream.range(0, 1).mapToObj(i -> new DesiredCluster.MemberSlot(i, KubernetesNames.podName(spec, i), 5432, 8008)).toList(),
                5432, null);
    }

    /**
     * As the kubelet writes a mounted Secret: root-owned files, group = the pod's fsGroup (here the data-plane user's
     * group), the volume's defaultMode 0440, each replaced by a rename so a reader never sees half a file.
     */
    private void writeAsTheKubelet(TlsMaterial tls) throws IOException {
        for (Map.Entry<String, String> f : Map.of("ca.crt", tls.caCertificatePem(), "tls.crt", tls.certificatePem(),
                "tls.key", tls.privateKeyPem()).entrySet()) {
            Path tmp = tlsDir.resolve("." + f.getKey() + ".tmp");
            Files.writeString(tmp, f.getValue());
            if (DataPlaneUser.runningAsRoot()) {
                GroupPrincipal group = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("postgres");
                Files.getFileAttributeView(tmp, PosixFileAttributeView.class).setGroup(group);
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--r-----"));
            Files.move(tmp, tlsDir.resolve(f.getKey()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private void startPgBouncer() throws Exception {
        Path userlist = home.resolve("userlist.txt");
        Files.writeString(userlist, "\"" + ClusterSecrets.POOLER_ADMIN_USER + "\" \"\"\n");
        Path ini = home.resolve("pgbouncer.ini");
        Files.writeString(ini, String.join("\n",
                "[databases]",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + pgbouncerPort,
                "unix_socket_dir =",
                "auth_type = trust",
                "auth_file = " + userlist,
                "admin_users = " + ClusterSecrets.POOLER_ADMIN_USER,
                "client_tls_sslmode = allow",
                "client_tls_ca_file = " + tlsDir.resolve("ca.crt"),
                "client_tls_cert_file = " + tlsDir.resolve("tls.crt"),
                "client_tls_key_file = " + tlsDir.resolve("tls.key"),
                "logfile =",
                ""));
        pgbouncer = processes.startDetached(List.of("pgbouncer", ini.toString()), home, home.resolve("pgbouncer.out"),
                home.resolve("pgbouncer.pid"));
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (presentedSerialIfAny().isEmpty()) {
            if (System.nanoTime() > deadline || !pgbouncer.isAlive()) {
                throw new AssertionError("PgBouncer did not come up: " + Files.readString(home.resolve("pgbouncer.out")));
            }
            Thread.sleep(100);
        }
    }

    private String presentedSerial() throws IOException {
        Optional<String> serial = presentedSerialIfAny();
        assertThat(serial).as("PgBouncer does TLS").isPresent();
        return serial.get();
    }

    /** What PgBouncer presents, verified against the CA the kubelet last wrote (the one test CA issues both). */
    private Optional<String> presentedSerialIfAny() throws IOException {
        return PresentedCertificate.fetchSerial("127.0.0.1", pgbouncerPort, Files.readString(tlsDir.resolve("ca.crt")),
                Duration.ofSeconds(2));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
