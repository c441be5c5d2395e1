package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.pgfleet.blueprint.kubernetes.BackupVerificationJob;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.database.Database;
import dev.pgfleet.system.PgfleetProperties;
import dev.pgfleet.system.process.PostgresInstallations;
import dev.pgfleet.testsupport.Polling;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import dev.pgfleet.testsupport.kubernetes.ChartRbac;
import dev.pgfleet.testsupport.kubernetes.RecordingDispatcher;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * One verification on Kubernetes against fabric8's mock API server (CRUD mode): the test plays the Job controller
 * and the kubelet (it creates the Job's pod and sets the container's terminated state and message), and checks the
 * Job the control plane created, the result it read, that the Job is gone afterwards, and that every request it
 * sent is one the chart's RBAC, as Helm renders it, allows (checked after every test).
 */
// Waits on a mock server and poll intervals, not the CPU: runs alongside other classes (surefire's configuration in control-plane/pom.xml).
@org.junit.jupiter.api.parallel.Execution(org.junit.jupiter.api.parallel.ExecutionMode.CONCURRENT)
@org.junit.jupiter.api.parallel.ResourceLock("KubernetesDumpVerificationMockTest") // its own methods one at a time
class KubernetesDumpVerificationMockTest {
    private static final String NAMESPACE = "pgfleet-system";
    private static final String IMAGE = "registry.example.com/pgfleet-control-plane:0.1.0";
    private static final String CLAIM = "prod-pgfleet-backups";
    private static final Path STORE = Path.of("/var/lib/pgfleet-backups");
    private static final DumpManifest MANIFEST = new DumpManifest("shop", Map.of("public.items", 1000L),
            List.of("public.items_pkey"), List.of("vector"));

    private RecordingDispatcher dispatcher;
    private KubernetesMockServer server;
    private KubernetesClient client;
    /** The test's own client, as Job controller and kubelet; its requests are not the control plane's. */
    private KubernetesClient kubelet;
    private final UUID databaseId = UUID.randomUUID();
    private final UUID backupId = UUID.randomUUID();
    private final String jobName = "pgfleet-verify-" + backupId;
    private final Database database = mock(Database.class);
    private final Backup backup = mock(Backup.class);
    private final Path dump = STORE.resolve(databaseId.toString()).resolve(backupId + ".dump");

    @BeforeEach
    void startMockServer() {
        dispatcher = new RecordingDispatcher();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        client = server.createClient();
        kubelet = RecordingDispatcher.clusterClient(server);
        when(database.getId()).thenReturn(databaseId);
        when(database.getPostgresVersion()).thenReturn(15);
        when(backup.getId()).thenReturn(backupId);
        when(backup.getSizeBytes()).thenReturn(300L << 20);
    }

    @AfterEach
    void stopMockServer() {
        kubelet.close();
        client.close();
        server.destroy();
        ChartRbac.assertAllowed(ChartRbac.installedAs("prod", NAMESPACE, NAMESPACE), dispatcher.requests());
    }

    @Test
    void aVerifiedDumpIsReadFromTheTerminationMessageOfAnIsolatedJobThatIsThenDeleted() throws Exception {
        CompletableFuture<VerificationResult> verifying = verifyInBackground(verification(Duration.ofMinutes(5)));
        Job job = awaitJob();

        assertIsolatedAndSized(job);
        String report = VerificationReport.toJson(new VerificationResult(true, "restored 1 table, 1,000 rows, 1 index; vector present",
                Duration.ofMillis(4200)));
        kubeletEnds(job, 0, "Completed", report);
        VerificationResult result = verifying.get(20, TimeUnit.SECONDS);

        assertThat(result.passed()).isTrue();
        assertThat(result.reason()).isEqualTo("restored 1 table, 1,000 rows, 1 index; vector present");
        assertThat(result.took()).isEqualTo(Duration.ofMillis(4200));
        assertJobDeletedWithItsPod();
        NetworkPolicy policy = kubelet.network().v1().networkPolicies().inNamespace(NAMESPACE)
                .withName(KubernetesNames.verificationNetworkPolicy()).get();
        assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(policy.getSpec().getIngress()).isNullOrEmpty();
        assertThat(policy.getSpec().getEgress()).isNullOrEmpty();
        assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
        assertEveryRequestIsGrantedByTheChart();
    }

    /** What a control plane that died mid-verification left — the Job and its pod — goes when its verification is recovered. */
    @Test
    void anInterruptedVerificationsJobIsDeletedWithItsPod() throws Exception {
        CompletableFuture<VerificationResult> verifying = verifyInBackground(verification(Duration.ofMinutes(5)));
        Job job = awaitJob();
        // The control plane that created it "dies": its verify() is abandoned (the future is left), and another
        // replica's recovery cleans up.
        verification(Duration.ofMinutes(5)).cleanUpInterrupted(database, backup);

        assertJobDeletedWithItsPod();
        assertThat(job.getMetadata().getName()).isEqualTo(jobName);
        assertEveryRequestIsGrantedByTheChart();
        assertThat(verifying.get(20, TimeUnit.SECONDS).passed()).as("the abandoned wait sees its Job gone").isFalse();
    }

    @Test
    void aDumpTheVerifierRejectedIsAFailedResultWithItsReason() throws Exception {
        // Polled every 2 s: both changes below land between two looks, as they would on a real cluster.
        CompletableFuture<VerificationResult> verifying = verifyInBackground(verification(Duration.ofMinutes(5), Duration.ofSeconds(2)));
        Job job = awaitJob();

        // In a real cluster's order: the container ends (exit 1) and then the Job controller, seeing that, marks the
        // Job failed (backoffLimit 0). Whichever of the two a poll sees first, the verifier's own account wins.
        kubeletEnds(job, 1, "Error", VerificationReport.toJson(new VerificationResult(false,
                "pg_restore failed: could not uncompress data: invalid distance too far back", Duration.ofSeconds(7))));
        // On a slow machine the verifier may see the container's end and delete the Job before the Job controller marks
        // it failed: a real cluster can do that too, and the result must be the verifier's account either way.
        if (kubelet.batch().v1().jobs().inNamespace(NAMESPACE).withName(jobName).get() != null) {
            try {
                markJobFailed("BackoffLimitExceeded", "Job has reached the specified backoff limit");
            } catch (io.fabric8.kubernetes.client.KubernetesClientException gone) {
                assertThat(gone.getCode()).as("only a Job the verifier already deleted may refuse the update").isEqualTo(404);
            }
        }
        VerificationResult result = verifying.get(20, TimeUnit.SECONDS);

        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).isEqualTo("pg_restore failed: could not uncompress data: invalid distance too far back");
        assertJobDeletedWithItsPod();
        assertEveryRequestIsGrantedByTheChart();
    }

    @Test
    void aJobKubernetesStoppedAtItsDeadlineIsAFailedResultThatSaysSo() throws Exception {
        CompletableFuture<VerificationResult> verifying = verifyInBackground(verification(Duration.ofMinutes(5)));
        Job job = awaitJob();

        markJobFailed("DeadlineExceeded", "Job was active longer than specified deadline");
        kubeletEnds(job, 137, "Error", "");
        VerificationResult result = verifying.get(20, TimeUnit.SECONDS);

        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).startsWith("The verification Job failed (DeadlineExceeded): Job was active longer than specified deadline");
        assertJobDeletedWithItsPod();
    }

    @Test
    void aVerifierThatDiedWithoutAResultIsAFailedResultWithTheEndOfItsLog() throws Exception {
        CompletableFuture<VerificationResult> verifying = verifyInBackground(verification(Duration.ofMinutes(5)));
        Job job = awaitJob();

        kubeletEnds(job, 3, "Error", "Terminating due to java.lang.OutOfMemoryError: Java heap space");
        VerificationResult result = verifying.get(20, TimeUnit.SECONDS);

        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).isEqualTo("The verification container ended without a result: exit 3 (Error):"
                + " Terminating due to java.lang.OutOfMemoryError: Java heap space");
        assertJobDeletedWithItsPod();
    }

    @Test
    void aJobThatNeverRunsTimesOutAndAStalePodOfTheSameBackupIsNotBelieved() throws Exception {
        // A pod left by an earlier Job of the same name (another uid) that had passed: not this verification's.
        kubelet.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata().withName(jobName + "-old")
                .withLabels(Map.of(KubernetesNames.BACKUP_ID_LABEL, backupId.toString()))
                .addNewOwnerReference().withApiVersion("batch/v1").withKind("Job").withName(jobName).withUid("an-earlier-job")
                .endOwnerReference().endMetadata()
                .withNewStatus().withPhase("Succeeded").addNewContainerStatus().withName(BackupVerificationJob.CONTAINER)
                .withNewState().withTerminated(new ContainerStateTerminatedBuilder().withExitCode(0)
                        .withMessage(VerificationReport.toJson(new VerificationResult(true, "old", Duration.ZERO))).build())
                .endState().endContainerStatus().endStatus().build()).create();

        VerificationResult result = verification(Duration.ofSeconds(1)).verify(database, backup, dump, MANIFEST);

        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).isEqualTo("The verification Job " + jobName + " did not finish within PT1.2S (no pod was created)");
        assertThat(kubelet.batch().v1().jobs().inNamespace(NAMESPACE).withName(jobName).get()).isNull();
        assertThat(dispatcher.requests()).anyMatch(r -> r.method().equals("DELETE") && r.path().contains("/jobs/" + jobName));
    }

    @Test
    void aJobLeftByAnEarlierAttemptIsReplaced() throws Exception {
        kubelet.batch().v1().jobs().inNamespace(NAMESPACE).resource(new JobBuilder().withNewMetadata().withName(jobName)
                .withLabels(Map.of("left", "over")).endMetadata().withNewSpec().endSpec().build()).create();
        CompletableFuture<VerificationResult> verifying = verifyInBackground(verification(Duration.ofMinutes(5)));

        Job job = await(() -> {
            Job j = kubelet.batch().v1().jobs().inNamespace(NAMESPACE).withName(jobName).get();
            return j != null && j.getMetadata().getLabels().containsKey(KubernetesNames.BACKUP_ID_LABEL) ? j : null;
        });
        kubeletEnds(job, 0, "Completed", VerificationReport.toJson(new VerificationResult(true, "restored", Duration.ofSeconds(1))));

        assertThat(verifying.get(20, TimeUnit.SECONDS).passed()).isTrue();
        assertJobDeletedWithItsPod();
    }

    @Test
    void withoutTheChartsSettingsNothingIsCreatedAndTheReasonSaysWhatIsMissing() {
        KubernetesDumpVerification unconfigured = new KubernetesDumpVerification(client, new VerificationProperties(NAMESPACE, IMAGE, "",
                Duration.ofHours(6), Duration.ofHours(1), Duration.ofMinutes(2), Duration.ofMillis(50), false), store(),
                installations(), backupProperties());

        VerificationResult result = unconfigured.verify(database, backup, dump, MANIFEST);

        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).contains("PersistentVolumeClaim").contains("claim-name").contains("not verified");
        assertThat(dispatcher.requests()).isEmpty();
    }

    @Test
    void aDumpOutsideTheStoreIsRefusedBeforeAnyJobExists() {
        VerificationResult result = verification(Duration.ofMinutes(5)).verify(database, backup, Path.of("/etc/shadow"), MANIFEST);

        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).startsWith("The verification Job could not be built: dumpPathInClaim must be a relative path");
        assertThat(dispatcher.requests()).isEmpty();
    }

    // ---- what the Job must be ----------------------------------------------------------------------------------

    private void assertIsolatedAndSized(Job job) {
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(300L);
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(3600);
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getAutomountServiceAccountToken()).as("no service-account token").isFalse();
        assertThat(pod.getEnableServiceLinks()).isFalse();
        Container c = pod.getContainers().get(0);
        assertThat(c.getImage()).isEqualTo(IMAGE);
        assertThat(c.getEnv()).as("no environment from the control plane").isNullOrEmpty();
        assertThat(c.getEnvFrom()).as("no Secret or ConfigMap as environment").isNullOrEmpty();
        assertThat(pod.getVolumes()).allSatisfy(v -> {
            assertThat(v.getSecret()).isNull();
            assertThat(v.getProjected()).isNull();
            assertThat(v.getConfigMap()).isNull();
        });
        assertThat(String.join(" ", c.getCommand())).doesNotContainIgnoringCase("password").doesNotContain("PGFLEET_");
        assertThat(c.getCommand()).contains("verify-dump", "--bin-dir=/usr/lib/postgresql/15/bin", "--parallel-jobs=2",
                "--dump=/backup/" + backupId + ".dump");
        assertThat(c.getCommand()).filteredOn(a -> a.startsWith("--manifest=")).singleElement()
                .satisfies(a -> assertThat(a).contains("\"public.items\":1000").contains("\"vector\""));
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

        VolumeMount dumpMount = c.getVolumeMounts().stream().filter(m -> m.getName().equals("dump")).findFirst().orElseThrow();
        assertThat(dumpMount.getReadOnly()).as("the dump is mounted read-only").isTrue();
        assertThat(dumpMount.getSubPath()).as("only this database's dump").isEqualTo(databaseId + "/" + backupId + ".dump");
        var claim = pod.getVolumes().stream().filter(v -> v.getName().equals("dump")).findFirst().orElseThrow().getPersistentVolumeClaim();
        assertThat(claim.getClaimName()).isEqualTo(CLAIM);
        assertThat(claim.getReadOnly()).isTrue();
        // 300 MiB dump: 1 GiB + 8 x 300 MiB = 3424 MiB of scratch, and as much ephemeral storage requested.
        var scratch = pod.getVolumes().stream().filter(v -> v.getName().equals("scratch")).findFirst().orElseThrow().getEmptyDir();
        assertThat(scratch.getSizeLimit().toString()).isEqualTo("3424Mi");
        assertThat(c.getResources().getRequests().get("ephemeral-storage").toString()).isEqualTo("3424Mi");
        assertThat(job.getMetadata().getLabels()).containsEntry(KubernetesNames.DATABASE_ID_LABEL, databaseId.toString())
                .containsEntry(KubernetesNames.BACKUP_ID_LABEL, backupId.toString());
    }

    private void assertJobDeletedWithItsPod() {
        assertThat(kubelet.batch().v1().jobs().inNamespace(NAMESPACE).withName(jobName).get()).as("the Job is deleted").isNull();
        // Background propagation, or the API server would orphan the pod (the default for Jobs).
        assertThat(dispatcher.requests()).filteredOn(r -> r.method().equals("DELETE") && r.path().contains("/jobs/" + jobName))
                .last().satisfies(r -> assertThat(r.body()).contains("\"propagationPolicy\":\"Background\""));
    }

    // ---- RBAC: every request must be one the chart's RBAC allows ---------------------------------------------

    /** Release "prod" in NAMESPACE, as the claim's name says; the verification Jobs run in the release namespace. */
    private void assertEveryRequestIsGrantedByTheChart() {
        assertThat(dispatcher.requests()).isNotEmpty();
        ChartRbac.assertAllowed(ChartRbac.installedAs("prod", NAMESPACE, NAMESPACE), dispatcher.requests());
    }

    // ---- playing the Job controller and the kubelet -----------------------------------------------------------

    private CompletableFuture<VerificationResult> verifyInBackground(KubernetesDumpVerification verification) {
        return CompletableFuture.supplyAsync(() -> verification.verify(database, backup, dump, MANIFEST));
    }

    private Job awaitJob() {
        return await(() -> kubelet.batch().v1().jobs().inNamespace(NAMESPACE).withName(jobName).get());
    }

    /** The Job's pod, its container terminated with {@code exitCode} and {@code message} (what the kubelet reports). */
    private void kubeletEnds(Job job, int exitCode, String reason, String message) {
        Pod pod = new PodBuilder().withNewMetadata().withName(jobName + "-x7k2p").withNamespace(NAMESPACE)
                .withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
                .addNewOwnerReference().withApiVersion("batch/v1").withKind("Job").withName(jobName)
                .withUid(job.getMetadata().getUid()).withController(true).endOwnerReference()
                .endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec())
                .withNewStatus().withPhase(exitCode == 0 ? "Succeeded" : "Failed")
                .addNewContainerStatus().withName(BackupVerificationJob.CONTAINER).withNewState()
                .withTerminated(new ContainerStateTerminatedBuilder().withExitCode(exitCode).withReason(reason).withMessage(message).build())
                .endState().endContainerStatus().endStatus().build();
        kubelet.pods().inNamespace(NAMESPACE).resource(pod).create();
    }

    private void markJobFailed(String reason, String message) {
        kubelet.batch().v1().jobs().inNamespace(NAMESPACE).withName(jobName).edit(j -> new JobBuilder(j)
                .withNewStatus().addNewCondition().withType("Failed").withStatus("True").withReason(reason).withMessage(message)
                .endCondition().withFailed(1).endStatus().build());
    }

    private <T> T await(Supplier<T> probe) {
        return Polling.until("the verification's Job", Duration.ofSeconds(10), Duration.ofMillis(20), probe, java.util.Objects::nonNull);
    }

    private KubernetesDumpVerification verification(Duration activeDeadline) {
        return verification(activeDeadline, Duration.ofMillis(50));
    }

    private KubernetesDumpVerification verification(Duration activeDeadline, Duration pollInterval) {
        return new KubernetesDumpVerification(client, new VerificationProperties(NAMESPACE, IMAGE, CLAIM, activeDeadline,
                Duration.ofHours(1), activeDeadline.compareTo(Duration.ofMinutes(1)) < 0 ? Duration.ofMillis(200) : Duration.ofMinutes(2),
                pollInterval, false), store(), installations(), backupProperties());
    }

    private static BackupStore store() {
        PgfleetProperties properties = mock(PgfleetProperties.class);
        when(properties.resolvedHome()).thenReturn(Path.of("/var/lib/pgfleet"));
        return new BackupStore(properties, backupProperties());
    }

    private static BackupProperties backupProperties() {
        return new BackupProperties(STORE.toString(), DataSize.ofGigabytes(4), 2, Duration.ofHours(1), 100, 365,
                DataSize.ofGigabytes(100), 2);
    }

    private static PostgresInstallations installations() {
        return new PostgresInstallations(Path.of("/usr/lib/postgresql"), Path.of("/usr/share/postgresql"));
    }
}
