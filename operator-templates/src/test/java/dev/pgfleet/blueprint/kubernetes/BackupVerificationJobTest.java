package dev.pgfleet.blueprint.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgfleet.blueprint.Golden;
import dev.pgfleet.blueprint.Plan;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackupVerificationJobTest {
    static final String BACKUP_ID = "7e57b0c4-1d2e-4f3a-9b8c-0d1e2f3a4b5c";
    static final String MANIFEST = "{\"databaseName\":\"shop\",\"rowCounts\":{\"public.items\":1000},"
            + "\"indexes\":[\"public.items_pkey\"],\"extensions\":[\"vector\"]}";

    static VerificationJobSpec spec(long dumpBytes) {
        return new VerificationJobSpec("pgfleet-system", "registry.example.com/pgfleet-control-plane:0.1.0", "prod-pgfleet-backups",
                KubernetesFixtures.SCOPE + "/" + BACKUP_ID + ".dump", dumpBytes, KubernetesFixtures.SCOPE, BACKUP_ID, MANIFEST,
                "/usr/lib/postgresql/15/bin", 2, 21_600, 3_600, false);
    }

    private final Job job = BackupVerificationJob.job(spec(300L << 20));
    private final PodSpec pod = job.getSpec().getTemplate().getSpec();
    private final Container container = pod.getContainers().get(0);

    @Test
    void matchesGoldenFile() {
        Golden.assertMatches("kubernetes/backup-verification.yaml",
                KubernetesFixtures.yaml(List.of(job, BackupVerificationJob.networkPolicy("pgfleet-system"))));
    }

    @Test
    void theJobRunsOnceBoundedInTimeAndIsCollectedAfterwards() {
        assertThat(job.getMetadata().getName()).isEqualTo("pgfleet-verify-" + BACKUP_ID);
        assertThat(job.getMetadata().getNamespace()).isEqualTo("pgfleet-system");
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(21_600L);
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(3_600);
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(job.getMetadata().getLabels()).isEqualTo(job.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry(KubernetesNames.DATABASE_ID_LABEL, KubernetesFixtures.SCOPE)
                .containsEntry(KubernetesNames.BACKUP_ID_LABEL, BACKUP_ID)
                .containsEntry(KubernetesNames.COMPONENT_LABEL, KubernetesNames.VERIFICATION_COMPONENT)
                .containsEntry(KubernetesNames.MANAGED_BY_LABEL, KubernetesNames.MANAGER);
    }

    @Test
    void thePodCarriesNoCredentialAndNoEnvironmentFromTheControlPlane() {
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getServiceAccountName()).as("the namespace's default account, its token not mounted").isNull();
        assertThat(pod.getEnableServiceLinks()).isFalse();
        assertThat(container.getEnvFrom()).isNullOrEmpty();
        assertThat(container.getEnv()).isNullOrEmpty();
        assertThat(pod.getVolumes()).allSatisfy(v -> {
            assertThat(v.getSecret()).isNull();
            assertThat(v.getConfigMap()).isNull();
            assertThat(v.getProjected()).isNull();
            assertThat(v.getHostPath()).isNull();
        });
        assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
    }

    @Test
    void theContainerRunsTheVerifierAsNonRootWithNothingToEscalate() {
        assertThat(container.getImage()).isEqualTo("registry.example.com/pgfleet-control-plane:0.1.0");
        assertThat(container.getCommand()).startsWith("java").containsSubsequence("-jar", BackupVerificationJob.JAR, "verify-dump")
                .contains("--dump=/backup/" + BACKUP_ID + ".dump", "--bin-dir=/usr/lib/postgresql/15/bin", "--scratch=/scratch",
                        "--parallel-jobs=2", "--result-file=/dev/termination-log", "--manifest=" + MANIFEST);
        assertThat(container.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
        assertThat(container.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
        assertThat(pod.getSecurityContext().getFsGroup()).as("no recursive chown of the backup store").isNull();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        var sc = container.getSecurityContext();
        assertThat(sc.getRunAsNonRoot()).isTrue();
        assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getPrivileged()).isFalse();
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
    }

    @Test
    void onlyThisDumpIsMountedAndReadOnly() {
        VolumeMount dump = mount("dump");
        assertThat(dump.getReadOnly()).isTrue();
        assertThat(dump.getSubPath()).isEqualTo(KubernetesFixtures.SCOPE + "/" + BACKUP_ID + ".dump");
        assertThat(dump.getMountPath()).isEqualTo("/backup/" + BACKUP_ID + ".dump");
        Volume claim = volume("dump");
        assertThat(claim.getPersistentVolumeClaim().getClaimName()).isEqualTo("prod-pgfleet-backups");
        assertThat(claim.getPersistentVolumeClaim().getReadOnly()).isTrue();
        assertThat(container.getVolumeMounts()).filteredOn(m -> !Objects.equals(m.getReadOnly(), true))
                .extracting(VolumeMount::getName).containsExactlyInAnyOrder("scratch", "tmp");
        assertThat(volume("scratch").getEmptyDir()).isNotNull();
        assertThat(volume("tmp").getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("256Mi"));
    }

    @Test
    void scratchIsEightTimesTheDumpPlusOneGibibyteWithATwoGibibyteFloor() {
        assertThat(BackupVerificationJob.scratchBytes(0)).isEqualTo(2L << 30);
        assertThat(BackupVerificationJob.scratchBytes(100L << 20)).isEqualTo(2L << 30);
        assertThat(BackupVerificationJob.scratchBytes(300L << 20)).isEqualTo((1L << 30) + (2400L << 20));
        assertThat(BackupVerificationJob.scratchBytes(10L << 30)).isEqualTo(81L << 30);
        assertThat(BackupVerificationJob.scratchBytes(1)).isEqualTo(2L << 30);
        assertThatThrownBy(() -> BackupVerificationJob.scratchBytes(Long.MAX_VALUE / 4)).isInstanceOf(IllegalArgumentException.class);

        Quantity expected = new Quantity(((1L << 30) + (2400L << 20) >> 20) + "Mi");
        assertThat(volume("scratch").getEmptyDir().getSizeLimit()).isEqualTo(expected);
        assertThat(container.getResources().getRequests()).containsEntry("ephemeral-storage", expected);
        Job big = BackupVerificationJob.job(spec(10L << 30));
        assertThat(big.getSpec().getTemplate().getSpec().getVolumes()).filteredOn(v -> v.getName().equals("scratch"))
                .singleElement().satisfies(v -> assertThat(Quantity.getAmountInBytes(v.getEmptyDir().getSizeLimit()).longValue())
                        .isEqualTo(81L << 30));
    }

    @Test
    void withAReadWriteOnceStoreThePodMustRunOnTheControlPlanesNode() {
        assertThat(pod.getAffinity()).as("ReadWriteMany: anywhere").isNull();
        VerificationJobSpec s = spec(1);
        Job rwo = BackupVerificationJob.job(new VerificationJobSpec(s.namespace(), s.image(), s.backupClaim(), s.dumpPathInClaim(),
                s.dumpBytes(), s.databaseId(), s.backupId(), s.manifestJson(), s.binDir(), s.parallelJobs(), s.activeDeadlineSeconds(),
                s.ttlSecondsAfterFinished(), true));
        var terms = rwo.getSpec().getTemplate().getSpec().getAffinity().getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
        assertThat(terms).singleElement().satisfies(term -> {
            assertThat(term.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(term.getLabelSelector().getMatchLabels())
                    .containsExactly(Map.entry(KubernetesNames.NAME_LABEL, KubernetesNames.CONTROL_PLANE_APP));
        });
    }

    @Test
    void theNetworkPolicyDeniesAllIngressAndEgressToEveryVerificationPod() {
        NetworkPolicy policy = BackupVerificationJob.networkPolicy("pgfleet-system");
        assertThat(policy.getMetadata().getNamespace()).isEqualTo("pgfleet-system");
        assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(policy.getSpec().getIngress()).isNullOrEmpty();
        assertThat(policy.getSpec().getEgress()).isNullOrEmpty();
        assertThat(selects(policy.getSpec().getPodSelector(), job.getSpec().getTemplate().getMetadata().getLabels())).isTrue();
    }

    @Test
    void noDatabaseOrEtcdNetworkPolicyAdmitsAVerificationPod() {
        Map<String, String> verificationPod = job.getSpec().getTemplate().getMetadata().getLabels();
        List<NetworkPolicy> policies = new ArrayList<>();
        for (Plan plan : Plan.values()) {
            KubernetesFixtures.owned(KubernetesFixtures.spec(plan)).stream().filter(NetworkPolicy.class::isInstance)
                    .map(NetworkPolicy.class::cast).forEach(policies::add);
        }
        KubernetesBlueprint.sharedEtcd(KubernetesFixtures.SETTINGS).stream().filter(NetworkPolicy.class::isInstance)
                .map(NetworkPolicy.class::cast).forEach(policies::add);
        assertThat(policies).hasSizeGreaterThanOrEqualTo(3);
        for (NetworkPolicy policy : policies) {
            assertThat(selects(policy.getSpec().getPodSelector(), verificationPod)).isFalse();
            List<NetworkPolicyPeer> peers = new ArrayList<>();
            if (policy.getSpec().getIngress() != null) {
                policy.getSpec().getIngress().forEach(rule -> {
                    if (rule.getFrom() != null) {
                        peers.addAll(rule.getFrom());
                    }
                });
            }
            // Rules open to every source (the pooler's port) are closed from this side by the pod's egress denial;
            // what must not happen is a peer that admits the verification pod by its labels.
            assertThat(peers).as(policy.getMetadata().getName())
                    .filteredOn(peer -> peer.getPodSelector() != null)
                    .noneMatch(peer -> selects(peer.getPodSelector(), verificationPod));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/abs/x.dump", "../x.dump", "a/../x.dump", "a//x.dump", "a/x y.dump", "a/$(id).dump", ""})
    void aDumpPathThatIsNotARelativePathOfPlainNamesIsRefused(String path) {
        assertThatThrownBy(() -> new VerificationJobSpec("ns", "img", "claim", path, 1, KubernetesFixtures.SCOPE, BACKUP_ID, MANIFEST,
                "/usr/lib/postgresql/15/bin", 1, 60, 60, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badSettingsAreRefusedBeforeAnythingIsBuilt() {
        assertThatThrownBy(() -> new VerificationJobSpec("Not_A_Namespace", "img", "claim", "a/b.dump", 1, KubernetesFixtures.SCOPE,
                BACKUP_ID, MANIFEST, "/bin", 1, 60, 60, false)).hasMessageContaining("namespace");
        assertThatThrownBy(() -> new VerificationJobSpec("ns", "", "claim", "a/b.dump", 1, KubernetesFixtures.SCOPE,
                BACKUP_ID, MANIFEST, "/bin", 1, 60, 60, false)).hasMessageContaining("image");
        assertThatThrownBy(() -> new VerificationJobSpec("ns", "img", "", "a/b.dump", 1, KubernetesFixtures.SCOPE,
                BACKUP_ID, MANIFEST, "/bin", 1, 60, 60, false)).hasMessageContaining("backupClaim");
        assertThatThrownBy(() -> new VerificationJobSpec("ns", "img", "claim", "a/b.dump", 1, KubernetesFixtures.SCOPE,
                "not a label", MANIFEST, "/bin", 1, 60, 60, false)).hasMessageContaining("label");
        assertThatThrownBy(() -> new VerificationJobSpec("ns", "img", "claim", "a/b.dump", 1, KubernetesFixtures.SCOPE,
                BACKUP_ID, "x".repeat(VerificationJobSpec.MANIFEST_MAX_BYTES + 1), "/bin", 1, 60, 60, false)).hasMessageContaining("manifest");
        assertThatThrownBy(() -> new VerificationJobSpec("ns", "img", "claim", "a/b.dump", 1, KubernetesFixtures.SCOPE,
                BACKUP_ID, MANIFEST, "/bin", 1, 0, 60, false)).hasMessageContaining("activeDeadlineSeconds");
    }

    /** Whether a matchLabels/matchExpressions selector selects a pod with {@code labels}. */
    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector.getMatchLabels() != null
                && !selector.getMatchLabels().entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
            return false;
        }
        if (selector.getMatchExpressions() != null) {
            for (var expression : selector.getMatchExpressions()) {
                String value = labels.get(expression.getKey());
                boolean ok = switch (expression.getOperator()) {
                    case "In" -> value != null && expression.getValues().contains(value);
                    case "NotIn" -> value == null || !expression.getValues().contains(value);
                    case "Exists" -> value != null;
                    case "DoesNotExist" -> value == null;
                    default -> throw new IllegalArgumentException(expression.getOperator());
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    private VolumeMount mount(String name) {
        return container.getVolumeMounts().stream().filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    private Volume volume(String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
    }
}
