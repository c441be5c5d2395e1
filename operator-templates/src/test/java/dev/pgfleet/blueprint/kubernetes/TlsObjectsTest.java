package dev.pgfleet.blueprint.kubernetes;

import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.ROOT_UID;
import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.SECRETS;
import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.SECRETS_WITH_TLS;
import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.SETTINGS;
import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.TLS;
import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.TlsFiles;
import dev.pgfleet.blueprint.TlsMaterial;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The TLS Secret and its mounts, as the blueprint builds them from a database's TLS identity. */
class TlsObjectsTest {

    @Test
    void haWithTlsMatchesGoldenFile() {
        dev.pgfleet.blueprint.Golden.assertMatches("kubernetes/database-ha-tls.yaml",
                KubernetesFixtures.yaml(KubernetesFixtures.allWithTls(spec(Plan.HA))));
    }

    @ParameterizedTest
    @EnumSource(Plan.class)
    void theTlsSecretIsAKubernetesTlsSecretAppliedBeforeThePodsThatMountIt(Plan plan) {
        List<HasMetadata> objects = KubernetesBlueprint.databaseObjects(spec(plan), SETTINGS, SECRETS_WITH_TLS, ROOT_UID);
        Secret tls = (Secret) objects.get(1);
        assertThat(tls.getMetadata().getName()).isEqualTo(KubernetesNames.tlsSecret(spec(plan))).isEqualTo("shop-3f1c2b7a-tls");
        assertThat(tls.getType()).isEqualTo("kubernetes.io/tls");
        assertThat(tls.getStringData()).containsOnlyKeys("ca.crt", "tls.crt", "tls.key")
                .containsEntry("ca.crt", TLS.caCertificatePem())
                .containsEntry("tls.crt", TLS.certificatePem())
                .containsEntry("tls.key", TLS.privateKeyPem());
        assertThat(tls.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getUid()).isEqualTo(ROOT_UID));
        assertThat(objects.indexOf(statefulSet(objects))).isGreaterThan(1);
        assertThat(objects.indexOf(deployment(objects))).isGreaterThan(1);
    }

    /** Every member and every pooler mounts the whole Secret (a directory, so renewals reach running pods), 0440. */
    @ParameterizedTest
    @EnumSource(Plan.class)
    void membersAndPoolersMountTheWholeSecretReadOnlyAsADirectory(Plan plan) {
        List<HasMetadata> objects = KubernetesBlueprint.databaseObjects(spec(plan), SETTINGS, SECRETS_WITH_TLS, ROOT_UID);
        for (PodSpec pod : List.of(statefulSet(objects).getSpec().getTemplate().getSpec(),
                deployment(objects).getSpec().getTemplate().getSpec())) {
            Volume volume = pod.getVolumes().stream().filter(v -> "tls".equals(v.getName())).findFirst().orElseThrow();
            assertThat(volume.getSecret().getSecretName()).isEqualTo(KubernetesNames.tlsSecret(spec(plan)));
            assertThat(volume.getSecret().getItems()).as("all keys, no projection").isNullOrEmpty();
            // Root-owned (the kubelet), group = fsGroup 999, the pods' group: PostgreSQL accepts a root-owned key up to 0640.
            assertThat(volume.getSecret().getDefaultMode()).isEqualTo(0440);
            assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(999L);
            assertThat(pod.getSecurityContext().getRunAsGroup()).isEqualTo(999L);
            VolumeMount mount = pod.getContainers().get(0).getVolumeMounts().stream().filter(m -> "tls".equals(m.getName()))
                    .findFirst().orElseThrow();
            assertThat(mount.getMountPath()).isEqualTo("/etc/pgfleet/tls");
            assertThat(mount.getReadOnly()).isTrue();
            assertThat(mount.getSubPath()).as("a subPath mount is never updated").isNull();
        }
    }

    /**
     * With TLS PgBouncer authenticates by an hba file (plaintext only from loopback): each pooler's ConfigMap carries
     * it and its Deployment projects it beside the auth file, where the ini says it is (without it no pooler starts).
     */
    @Test
    void eachPoolersHbaFileIsInItsConfigMapAndProjectedWhereTheIniNamesIt() {
        List<HasMetadata> objects = KubernetesBlueprint.databaseObjects(spec(Plan.HA), SETTINGS, SECRETS_WITH_TLS, ROOT_UID);
        List<ConfigMap> configs = objects.stream().filter(o -> o instanceof ConfigMap).map(o -> (ConfigMap) o).toList();
        assertThat(configs).extracting(c -> c.getMetadata().getName())
                .contains(KubernetesNames.poolerConfig(spec(Plan.HA)), KubernetesNames.readOnlyPooler(spec(Plan.HA)));
        for (ConfigMap config : configs) {
            assertThat(config.getData()).containsKeys("pgbouncer.ini", "pgbouncer_hba.conf");
            assertThat(config.getData().get("pgbouncer.ini")).contains("auth_hba_file = /etc/pgbouncer/pgbouncer_hba.conf");
        }
        List<Deployment> poolers = objects.stream().filter(o -> o instanceof Deployment).map(o -> (Deployment) o).toList();
        assertThat(poolers).hasSize(2).allSatisfy(d -> assertThat(d.getSpec().getTemplate().getSpec().getVolumes())
                .anySatisfy(v -> assertThat(v.getProjected()).isNotNull()
                        .satisfies(p -> assertThat(p.getSources().get(0).getConfigMap().getItems())
                                .anySatisfy(i -> assertThat(i.getPath()).isEqualTo("pgbouncer_hba.conf")))));
        assertThat(KubernetesBlueprint.databaseObjects(spec(Plan.HA), SETTINGS, SECRETS, ROOT_UID)).filteredOn(o -> o instanceof ConfigMap)
                .allSatisfy(c -> assertThat(((ConfigMap) c).getData()).doesNotContainKey("pgbouncer_hba.conf"));
    }

    @Test
    void theRenderersNameTheMountedFiles() {
        TlsFiles files = TlsObjects.files();
        assertThat(files).isEqualTo(new TlsFiles("/etc/pgfleet/tls/ca.crt", "/etc/pgfleet/tls/tls.crt", "/etc/pgfleet/tls/tls.key"));
        assertThat(PatroniObjects.member(spec(Plan.HA), 1, SETTINGS, true).tls()).isEqualTo(files);
        assertThat(PoolerObjects.settings(true).tls()).isEqualTo(files);
        assertThat(PatroniObjects.member(spec(Plan.HA), 1, SETTINGS, false).tls()).isNull();
        assertThat(PoolerObjects.settings(false).tls()).isNull();
    }

    /**
     * A renewal is a new certificate and key for the same names: only the TLS Secret changes. The StatefulSet (and so
     * its revision, which MemberRollout rolls members by), the Deployment, the configuration and every hash are equal.
     */
    @ParameterizedTest
    @EnumSource(Plan.class)
    void aRenewedCertificateChangesTheTlsSecretAndNothingElse(Plan plan) {
        ClusterSpec spec = spec(plan);
        TlsMaterial renewed = new TlsMaterial(TLS.caCertificatePem(),
                "-----BEGIN CERTIFICATE-----\ncmVuZXdlZA==\n-----END CERTIFICATE-----\n",
                "-----BEGIN PRIVATE KEY-----\nbmV3IGtleQ==\n-----END PRIVATE KEY-----\n",
                TLS.names(), "0d0e0f", Instant.parse("2027-06-01T00:00:00Z"));
        List<HasMetadata> before = KubernetesBlueprint.databaseObjects(spec, SETTINGS, SECRETS_WITH_TLS, ROOT_UID);
        List<HasMetadata> after = KubernetesBlueprint.databaseObjects(spec, SETTINGS, KubernetesFixtures.withTls(renewed), ROOT_UID);
        assertThat(after).hasSameSizeAs(before);
        for (int i = 0; i < before.size(); i++) {
            if (i == 1) {
                assertThat(after.get(i)).isNotEqualTo(before.get(i));
            } else {
                assertThat(after.get(i)).as(before.get(i).getKind() + " " + before.get(i).getMetadata().getName()).isEqualTo(before.get(i));
            }
        }
    }

    /** Without a TLS identity the objects are what they were before TLS: no Secret, no mount, no TLS settings. */
    @ParameterizedTest
    @EnumSource(Plan.class)
    void withoutATlsIdentityNothingOfTlsIsBuilt(Plan plan) {
        List<HasMetadata> objects = KubernetesBlueprint.databaseObjects(spec(plan), SETTINGS, SECRETS, ROOT_UID);
        assertThat(objects).noneSatisfy(o -> assertThat(o.getMetadata().getName()).isEqualTo(KubernetesNames.tlsSecret(spec(plan))));
        assertThat(statefulSet(objects).getSpec().getTemplate().getSpec().getVolumes()).noneMatch(v -> "tls".equals(v.getName()));
        assertThat(deployment(objects).getSpec().getTemplate().getSpec().getVolumes()).noneMatch(v -> "tls".equals(v.getName()));
        // The pooler's ConfigMap and, on plans with replicas, the read-only pooler's.
        assertThat(objects).filteredOn(o -> o instanceof ConfigMap).isNotEmpty()
                .allSatisfy(c -> assertThat(((ConfigMap) c).getData().get("pgbouncer.ini")).doesNotContain("/etc/pgfleet/tls"));
    }

    @Test
    void theSecretsRecordNeverPrintsTheKey() {
        assertThat(SECRETS_WITH_TLS.toString()).doesNotContain("PRIVATE KEY");
    }

    private static StatefulSet statefulSet(List<HasMetadata> objects) {
        return objects.stream().filter(o -> o instanceof StatefulSet).map(o -> (StatefulSet) o).findFirst().orElseThrow();
    }

    private static Deployment deployment(List<HasMetadata> objects) {
        return objects.stream().filter(o -> o instanceof Deployment).map(o -> (Deployment) o).findFirst().orElseThrow();
    }
}
