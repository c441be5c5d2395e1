package dev.pgfleet.blueprint.kubernetes;

import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.ROOT_UID;
import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.SECRETS;
import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.SETTINGS;
import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KubernetesBlueprintTest {

    @Test
    void devMatchesGoldenFile() {
        dev.pgfleet.blueprint.Golden.assertMatches("kubernetes/database-dev.yaml", KubernetesFixtures.yaml(KubernetesFixtures.all(spec(Plan.DEV))));
    }

    @Test
    void haMatchesGoldenFile() {
        dev.pgfleet.blueprint.Golden.assertMatches("kubernetes/database-ha.yaml", KubernetesFixtures.yaml(KubernetesFixtures.all(spec(Plan.HA))));
    }

    @Test
    void sharedEtcdMatchesGoldenFile() {
        dev.pgfleet.blueprint.Golden.assertMatches("kubernetes/etcd.yaml", KubernetesFixtures.yaml(KubernetesBlueprint.sharedEtcd(SETTINGS)));
    }

    @ParameterizedTest
    @EnumSource(Plan.class)
    void objectsComeInApplyOrder(Plan plan) {
        List<String> kinds = new java.util.ArrayList<>(List.of(
                "Secret", "Secret", "ServiceAccount", "StatefulSet",
                "Service", "Service", "Service", "Service", "ConfigMap", "Deployment",
                "PodDisruptionBudget", "PodDisruptionBudget", "NetworkPolicy", "NetworkPolicy"));
        if (plan == Plan.HA) {
            // The read-only pooler's (ReadOnlyPoolerObjects).
            kinds.addAll(List.of("Service", "ConfigMap", "Deployment", "PodDisruptionBudget", "NetworkPolicy"));
        }
        assertThat(KubernetesFixtures.owned(spec(plan))).extracting(HasMetadata::getKind).containsExactlyElementsOf(kinds);
    }

    @ParameterizedTest
    @EnumSource(Plan.class)
    void everyObjectIsOwnedByTheRootAndCarriesTheSpecHash(Plan plan) {
        ClusterSpec spec = spec(plan);
        String hash = KubernetesBlueprint.specHash(spec, SETTINGS);
        assertThat(hash).matches("[0-9a-f]{64}");
        for (HasMetadata object : KubernetesFixtures.owned(spec)) {
            List<OwnerReference> owners = object.getMetadata().getOwnerReferences();
            assertThat(owners).as(object.getKind() + " " + object.getMetadata().getName()).hasSize(1);
            OwnerReference owner = owners.get(0);
            assertThat(owner.getUid()).isEqualTo(ROOT_UID);
            assertThat(owner.getApiVersion()).isEqualTo("v1");
            assertThat(owner.getKind()).isEqualTo("ConfigMap");
            assertThat(owner.getName()).isEqualTo(KubernetesNames.root(spec));
            assertThat(owner.getController()).isTrue();
            assertThat(owner.getBlockOwnerDeletion()).isTrue();
            // The Patroni StatefulSet carries the members' own hash (see PatroniStatefulSetTest).
            String expected = object instanceof StatefulSet ? KubernetesBlueprint.membersHash(spec, SETTINGS) : hash;
            assertThat(object.getMetadata().getAnnotations()).containsEntry(KubernetesNames.SPEC_HASH_ANNOTATION, expected);
            assertThat(object.getMetadata().getNamespace()).isEqualTo(SETTINGS.namespace());
        }
        ConfigMap root = KubernetesBlueprint.root(spec, SETTINGS);
        assertThat(root.getMetadata().getOwnerReferences()).isNullOrEmpty();
        assertThat(root.getData()).containsEntry("plan", plan.id()).containsEntry("postgres-version", "15")
                .containsEntry("database-name", "shop").containsEntry("database-id", KubernetesFixtures.SCOPE);
    }

    @Test
    void specHashChangesWithThePlanAndIsStableOtherwise() {
        String dev = KubernetesBlueprint.specHash(spec(Plan.DEV), SETTINGS);
        assertThat(KubernetesBlueprint.specHash(spec(Plan.DEV), KubernetesFixtures.withControlPlaneIn("pgfleet-system"))).isEqualTo(dev);
        assertThat(KubernetesBlueprint.specHash(spec(Plan.DEV), KubernetesSettings.defaults())).isNotEqualTo(dev);
        assertThat(KubernetesBlueprint.specHash(spec(Plan.HA), SETTINGS)).isNotEqualTo(dev);
        assertThat(KubernetesBlueprint.specHash(new ClusterSpec(KubernetesFixtures.SCOPE, "shop", Plan.DEV, 14), SETTINGS))
                .isNotEqualTo(dev);
        KubernetesSettings otherImage = new KubernetesSettings("pgfleet", "registry.example/pgfleet/dataplane:0.2.0",
                SETTINGS.pgbouncerImage(), SETTINGS.etcdImage(), SETTINGS.storageClass(), SETTINGS.nvmeLabelKey(),
                SETTINGS.nvmeLabelValue());
        assertThat(KubernetesBlueprint.specHash(spec(Plan.DEV), otherImage)).isNotEqualTo(dev);

        // Secrets and the root's uid are not part of the spec: rotating a password does not look like drift.
        DatabaseSecrets other = new DatabaseSecrets(new ClusterSecrets("a", "b", "c", "h"), "d", "e", "f", "g");
        assertThat(KubernetesBlueprint.databaseObjects(spec(Plan.DEV), SETTINGS, other, "another-uid"))
                .filteredOn(o -> !(o instanceof StatefulSet))
                .allSatisfy(o -> assertThat(o.getMetadata().getAnnotations()).containsEntry(KubernetesNames.SPEC_HASH_ANNOTATION, dev));
    }

    @ParameterizedTest
    @EnumSource(Plan.class)
    void buildsAreDeterministic(Plan plan) {
        assertThat(KubernetesFixtures.yaml(KubernetesFixtures.all(spec(plan))))
                .isEqualTo(KubernetesFixtures.yaml(KubernetesFixtures.all(spec(plan))));
        assertThat(KubernetesFixtures.all(spec(plan))).isEqualTo(KubernetesFixtures.all(spec(plan)));
    }

    @ParameterizedTest
    @EnumSource(Plan.class)
    void everyObjectHasTheAppLabels(Plan plan) {
        List<HasMetadata> objects = new java.util.ArrayList<>(KubernetesFixtures.all(spec(plan)));
        objects.addAll(KubernetesBlueprint.sharedEtcd(SETTINGS));
        for (HasMetadata object : objects) {
            assertThat(object.getMetadata().getLabels()).as(object.getKind() + " " + object.getMetadata().getName())
                    .containsKeys(KubernetesNames.NAME_LABEL, KubernetesNames.INSTANCE_LABEL, KubernetesNames.COMPONENT_LABEL,
                            KubernetesNames.PART_OF_LABEL)
                    .containsEntry(KubernetesNames.MANAGED_BY_LABEL, "pgfleet");
        }
        for (HasMetadata object : KubernetesFixtures.all(spec(plan))) {
            assertThat(object.getMetadata().getLabels()).containsEntry(KubernetesNames.DATABASE_ID_LABEL, KubernetesFixtures.SCOPE)
                    .containsEntry(KubernetesNames.INSTANCE_LABEL, "shop-3f1c2b7a");
        }
    }

    @Test
    void secretHoldsTheGivenPasswordsAndThePoolerAuthFile() {
        Secret secret = (Secret) KubernetesFixtures.owned(spec(Plan.HA)).get(0);
        assertThat(secret.getType()).isEqualTo("Opaque");
        Map<String, String> data = secret.getStringData();
        assertThat(data).containsOnlyKeys("superuser-password", "replication-password", "rest-api-password",
                "owner-password", "pooler-userlist", "pooler-admin-password", "dcs-password");
        assertThat(data).containsEntry("superuser-password", "su-secret")
                .containsEntry("replication-password", "repl-secret")
                .containsEntry("rest-api-password", "rest-secret")
                .containsEntry("owner-password", "owner-secret")
                .containsEntry("pooler-admin-password", "pooler-admin-secret");
        assertThat(data.get("pooler-userlist")).isEqualTo(
                "\"shop\" \"" + SECRETS.ownerScramVerifier() + "\"\n"
                        + "\"pgfleet_admin\" \"" + SECRETS.poolerAdminScramVerifier() + "\"\n");
        assertThat(data.get("pooler-userlist")).doesNotContain("owner-secret", "pooler-admin-secret");
    }

    @Test
    void etcdHostsNameEachMemberThroughTheHeadlessService() {
        assertThat(KubernetesBlueprint.etcdHosts(SETTINGS)).isEqualTo(
                "pgfleet-etcd-0.pgfleet-etcd.pgfleet.svc:2379,pgfleet-etcd-1.pgfleet-etcd.pgfleet.svc:2379,"
                        + "pgfleet-etcd-2.pgfleet-etcd.pgfleet.svc:2379");
    }

    @Test
    void refusesAMissingRootUid() {
        assertThatThrownBy(() -> KubernetesBlueprint.databaseObjects(spec(Plan.DEV), SETTINGS, SECRETS, " "))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
