package dev.pgfleet.blueprint.kubernetes;

import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.SETTINGS;
import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.PatroniConfig;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.Dcs;
import dev.pgfleet.blueprint.PatroniMember;
import dev.pgfleet.blueprint.TrustedNetworks;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.yaml.snakeyaml.Yaml;

class PatroniStatefulSetTest {

    static <T> T only(ClusterSpec spec, Class<T> type, String name) {
        return KubernetesFixtures.owned(spec).stream().filter(type::isInstance)
                .filter(o -> o.getMetadata().getName().equals(name)).map(type::cast).findFirst().orElseThrow();
    }

    static StatefulSet statefulSet(Plan plan) {
        return only(spec(plan), StatefulSet.class, KubernetesNames.statefulSet(spec(plan)));
    }

    static Container container(Plan plan) {
        return statefulSet(plan).getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    /**
     * Changing the pooler's or etcd's image (or anything else only they run) must not touch the Patroni StatefulSet
     * at all: a changed pod template would restart every PostgreSQL pod of every database. The members' own image
     * does change it.
     */
    @ParameterizedTest
    @EnumSource(Plan.class)
    void poolerAndEtcdSettingsDoNotChangeTheMembersStatefulSet(Plan plan) {
        KubernetesSettings other = new KubernetesSettings(SETTINGS.namespace(), SETTINGS.patroniImage(),
                "registry.example/pgbouncer:9", "registry.example/etcd:9", SETTINGS.storageClass(),
                SETTINGS.nvmeLabelKey(), SETTINGS.nvmeLabelValue(), "another-namespace");
        StatefulSet before = statefulSet(plan);
        StatefulSet after = KubernetesBlueprint.databaseObjects(spec(plan), other, KubernetesFixtures.SECRETS,
                KubernetesFixtures.ROOT_UID).stream().filter(StatefulSet.class::isInstance).map(StatefulSet.class::cast)
                .findFirst().orElseThrow();
        assertThat(after).isEqualTo(before);
        // And when the members' template does change, Kubernetes restarts nothing by itself: the control plane rolls.
        assertThat(before.getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
        // The pooler's Deployment does change (it is the one to roll), so the settings really differed.
        assertThat(KubernetesBlueprint.specHash(spec(plan), other)).isNotEqualTo(KubernetesBlueprint.specHash(spec(plan), SETTINGS));

        KubernetesSettings newMembers = new KubernetesSettings(SETTINGS.namespace(), "registry.example/dataplane:9",
                SETTINGS.pgbouncerImage(), SETTINGS.etcdImage(), SETTINGS.storageClass(), SETTINGS.nvmeLabelKey(),
                SETTINGS.nvmeLabelValue(), SETTINGS.controlPlaneNamespace());
        StatefulSet rolled = KubernetesBlueprint.databaseObjects(spec(plan), newMembers, KubernetesFixtures.SECRETS,
                KubernetesFixtures.ROOT_UID).stream().filter(StatefulSet.class::isInstance).map(StatefulSet.class::cast)
                .findFirst().orElseThrow();
        assertThat(rolled.getSpec().getTemplate().getMetadata().getAnnotations().get(KubernetesNames.SPEC_HASH_ANNOTATION))
                .isNotEqualTo(before.getSpec().getTemplate().getMetadata().getAnnotations().get(KubernetesNames.SPEC_HASH_ANNOTATION));
    }

    @ParameterizedTest
    @EnumSource(Plan.class)
    void membersRunOnlyOnNvmeNodesWithNvmeVolumes(Plan plan) {
        StatefulSet sts = statefulSet(plan);
        List<NodeSelectorRequirement> terms = sts.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().get(0).getMatchExpressions();
        assertThat(terms).singleElement().satisfies(r -> {
            assertThat(r.getKey()).isEqualTo("pgfleet.dev/storage");
            assertThat(r.getOperator()).isEqualTo("In");
            assertThat(r.getValues()).containsExactly("nvme");
        });
        PersistentVolumeClaim claim = sts.getSpec().getVolumeClaimTemplates().get(0);
        assertThat(claim.getSpec().getStorageClassName()).isEqualTo("local-nvme");
        assertThat(claim.getSpec().getResources().getRequests().get("storage")).isEqualTo(new Quantity(plan.storageGiB() + "Gi"));
        assertThat(claim.getMetadata().getLabels()).containsEntry(KubernetesNames.DATABASE_ID_LABEL, KubernetesFixtures.SCOPE);
        assertThat(claim.getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(sts.getSpec().getReplicas()).isEqualTo(plan.members());
        assertThat(sts.getSpec().getServiceName()).isEqualTo(KubernetesNames.membersService(spec(plan)));
    }

    @Test
    void haRequiresOneMemberPerNodeAndDevDoesNot() {
        List<PodAffinityTerm> required = statefulSet(Plan.HA).getSpec().getTemplate().getSpec().getAffinity()
                .getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
        assertThat(required).singleElement().satisfies(term -> {
            assertThat(term.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(term.getLabelSelector().getMatchLabels())
                    .isEqualTo(KubernetesNames.selector(spec(Plan.HA), KubernetesNames.POSTGRES_COMPONENT));
        });
        assertThat(statefulSet(Plan.DEV).getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()).isNull();
    }

    @ParameterizedTest
    @EnumSource(Plan.class)
    void membersGetThePlansResourcesAsRequestsAndLimits(Plan plan) {
        Container c = container(plan);
        Map<String, Quantity> expected = Map.of(
                "cpu", new Quantity(Integer.toString(plan.memberResources().cpus())),
                "memory", new Quantity(Long.toString(plan.memberResources().memoryBytes())));
        assertThat(c.getResources().getRequests()).isEqualTo(expected);
        assertThat(c.getResources().getLimits()).isEqualTo(expected);
        assertThat(Quantity.getAmountInBytes(c.getResources().getLimits().get("memory")).longValue())
                .isEqualTo(plan.memberResources().memoryBytes());
    }

    @Test
    void probesAndPortsArePatronis() {
        Container c = container(Plan.HA);
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readiness");
        assertThat(c.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(8008);
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/liveness");
        assertThat(c.getLivenessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(8008);
        assertThat(c.getPorts()).extracting(p -> p.getContainerPort()).containsExactly(5432, 8008);
        PodSpec pod = statefulSet(Plan.HA).getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(999L);
        assertThat(pod.getEnableServiceLinks()).isFalse();
        assertThat(pod.getServiceAccountName()).isEqualTo(KubernetesNames.serviceAccount(spec(Plan.HA)));
        assertThat(c.getImage()).isEqualTo(SETTINGS.patroniImage());
    }

    @ParameterizedTest
    @EnumSource(Plan.class)
    void eachPodRunsPatroniWithItsOwnMembersConfigNamedAfterThePod(Plan plan) {
        ClusterSpec spec = spec(plan);
        Container c = container(plan);
        assertThat(c.getCommand()).isNullOrEmpty();
        assertThat(c.getArgs()).containsExactly("patroni", "/etc/pgfleet/patroni/$(POD_NAME).yml");
        assertThat(c.getEnv()).singleElement().satisfies(e -> {
            assertThat(e.getName()).isEqualTo("POD_NAME");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        });
        Secret config = only(spec, Secret.class, KubernetesNames.patroniConfig(spec));
        StatefulSet sts = statefulSet(plan);
        // The StatefulSet names its pods <statefulSet>-<ordinal>: each such pod finds its key, and nothing else is there.
        assertThat(config.getStringData().keySet()).containsExactlyElementsOf(IntStream.range(0, plan.members())
                .mapToObj(i -> sts.getMetadata().getName() + "-" + i + ".yml").sorted().toList());
        PodSpec pod = sts.getSpec().getTemplate().getSpec();
        assertThat(pod.getVolumes()).anySatisfy(v -> {
            assertThat(v.getSecret().getSecretName()).isEqualTo(config.getMetadata().getName());
            assertThat(v.getSecret().getDefaultMode()).isEqualTo(0440);
            assertThat(c.getVolumeMounts()).anySatisfy(m -> {
                assertThat(m.getName()).isEqualTo(v.getName());
                assertThat(m.getMountPath()).isEqualTo("/etc/pgfleet/patroni");
                assertThat(m.getReadOnly()).isTrue();
            });
        });
        for (int i = 0; i < plan.members(); i++) {
            Map<String, Object> doc = new Yaml().load(config.getStringData().get(sts.getMetadata().getName() + "-" + i + ".yml"));
            assertThat(doc).containsEntry("name", KubernetesNames.podName(spec, i)).containsEntry("scope", spec.scope())
                    .containsEntry("namespace", "/pgfleet/");
        }
    }

    @Test
    void theMembersConfigIsTheLocalRuntimesBlueprintWithPodPathsAndTheScopesEtcdUser() {
        ClusterSpec spec = spec(Plan.HA);
        Secret config = only(spec, Secret.class, KubernetesNames.patroniConfig(spec));
        PatroniMember member = PatroniObjects.member(spec, 1, SETTINGS, false);
        Dcs dcs = new Dcs(List.of(KubernetesBlueprint.etcdHosts(SETTINGS).split(",")), "/pgfleet/");
        assertThat(config.getStringData().get(PatroniObjects.configKey(spec, 1))).isEqualTo(PatroniConfig.render(spec, member, dcs,
                KubernetesFixtures.SECRETS.cluster(), TrustedNetworks.anywhere()));
        assertThat(member.connectHost()).isEqualTo(KubernetesNames.memberHost(spec, 1, SETTINGS))
                .doesNotContain("cluster.local");
        assertThat(member.dataDir()).startsWith("/var/lib/pgfleet/");
        assertThat(member.binDir()).isEqualTo("/usr/lib/postgresql/15/bin");
        assertThat(member.logDir()).as("stderr, the container's log").isNull();
        Map<String, Object> doc = new Yaml().load(config.getStringData().get(PatroniObjects.configKey(spec, 1)));
        assertThat(doc.get("etcd3")).isEqualTo(Map.of("hosts", dcs.etcdHosts(), "protocol", "http",
                "username", Dcs.scopeUser(spec.scope()), "password", "dcs-secret"));
        assertThat(doc.get("log")).isEqualTo(Map.of("level", "INFO"));
        // The volume mounted at /var/lib/pgfleet holds the data directory and nothing else writes there.
        assertThat(statefulSet(Plan.HA).getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/var/lib/pgfleet"));
    }

    @Test
    void primaryAndReplicaServicesHaveNoSelectorTheControlPlaneWritesTheirEndpoints() {
        ClusterSpec spec = spec(Plan.HA);
        Service primary = only(spec, Service.class, KubernetesNames.primaryService(spec));
        Service replicas = only(spec, Service.class, KubernetesNames.replicaService(spec));
        Service members = only(spec, Service.class, KubernetesNames.membersService(spec));
        assertThat(primary.getSpec().getSelector()).isNullOrEmpty();
        assertThat(replicas.getSpec().getSelector()).isNullOrEmpty();
        assertThat(primary.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(5432));
        assertThat(members.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(members.getSpec().getPublishNotReadyAddresses()).isTrue();
        assertThat(KubernetesFixtures.owned(spec)).noneMatch(o -> o instanceof Endpoints);
    }

    @Test
    void podsGetNoKubernetesApiAccessAndRunAsTheImagesUser() {
        ClusterSpec spec = spec(Plan.HA);
        PodSpec pod = statefulSet(Plan.HA).getSpec().getTemplate().getSpec();
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(KubernetesFixtures.owned(spec)).noneMatch(o -> o instanceof Role || o instanceof RoleBinding);
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(999L);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getContainers().get(0).getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    }

    @Test
    void noSpiloAnywhereInTheObjects() {
        for (Plan plan : Plan.values()) {
            String yaml = io.fabric8.kubernetes.client.utils.Serialization.asYaml(KubernetesFixtures.all(spec(plan)));
            assertThat(yaml.toLowerCase()).doesNotContain("spilo");
        }
    }
}
