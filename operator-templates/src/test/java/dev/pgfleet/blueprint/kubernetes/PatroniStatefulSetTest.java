package dev.pgfleet.blueprint.kubernetes;

import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.SETTINGS;
import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.PatroniConfig;
import dev.pgfleet.blueprint.Plan;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
        assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(103L);
        assertThat(pod.getEnableServiceLinks()).isFalse();
        assertThat(pod.getServiceAccountName()).isEqualTo(KubernetesNames.serviceAccount(spec(Plan.HA)));
        assertThat(c.getImage()).isEqualTo(SETTINGS.patroniImage());
    }

    @Test
    void spiloGetsScopeDcsAndSecretsFromTheEnvironment() {
        Map<String, EnvVar> env = container(Plan.HA).getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertThat(env.get("SCOPE").getValue()).isEqualTo(KubernetesFixtures.SCOPE);
        assertThat(env.get("PGVERSION").getValue()).isEqualTo("15");
        assertThat(env.get("KUBERNETES_ROLE_LABEL").getValue()).isEqualTo(KubernetesNames.ROLE_LABEL);
        assertThat(env.get("PGUSER_STANDBY").getValue()).isEqualTo("replicator");
        assertThat(env.get("PGPASSWORD_SUPERUSER").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("superuser-password");
        assertThat(env.get("PGPASSWORD_STANDBY").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("replication-password");
        assertThat(env.get("POD_IP").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
        // Spilo wraps the value in [] and reads it as YAML: the same hosts as etcdHosts().
        List<?> hosts = new Yaml().load("[" + env.get("ETCD3_HOSTS").getValue() + "]");
        assertThat(hosts).isEqualTo(List.of(KubernetesBlueprint.etcdHosts(SETTINGS).split(",")));
        assertThat(env.values()).noneMatch(e -> e.getValue() != null && e.getValue().contains("secret"));
    }

    /** What the kubelet does with $(VAR): replace references to variables defined earlier in the list. */
    private static String expand(List<EnvVar> env, Map<String, String> resolved) {
        Map<String, String> defined = new java.util.HashMap<>();
        String result = null;
        for (EnvVar e : env) {
            String value = e.getValue() != null ? e.getValue() : resolved.get(e.getName());
            if (e.getValue() != null) {
                Matcher m = Pattern.compile("\\$\\(([A-Z0-9_]+)\\)").matcher(value);
                StringBuilder out = new StringBuilder();
                while (m.find()) {
                    assertThat(defined).as("%s refers to %s, defined earlier", e.getName(), m.group(1)).containsKey(m.group(1));
                    m.appendReplacement(out, Matcher.quoteReplacement(defined.get(m.group(1))));
                }
                m.appendTail(out);
                value = out.toString();
            }
            defined.put(e.getName(), value);
            if (e.getName().equals("SPILO_CONFIGURATION")) {
                result = value;
            }
        }
        return result;
    }

    @ParameterizedTest
    @EnumSource(Plan.class)
    @SuppressWarnings("unchecked")
    void spiloConfigurationIsTheBlueprintsClusterWideConfigPlusRestApiCredentials(Plan plan) {
        ClusterSpec spec = spec(plan);
        ConfigMap config = only(spec, ConfigMap.class, KubernetesNames.patroniConfig(spec));
        String patroniYml = config.getData().get("patroni.yml");
        String expanded = expand(container(plan).getEnv(), Map.of(
                PatroniStatefulSet.CONFIG_ENV, patroniYml,
                PatroniStatefulSet.REST_PASSWORD_ENV, "Rest0Password9"));

        Map<String, Object> doc = new Yaml().load(expanded);
        assertThat((Map<String, Object>) doc.get("restapi")).isEqualTo(
                Map.of("authentication", Map.of("username", "pgfleet", "password", "Rest0Password9")));
        // Through YAML and back, like the document under test (numbers come back as the smallest fitting type).
        Map<String, Object> clusterWide = new Yaml().load(dev.pgfleet.blueprint.Yaml.dump(PatroniConfig.clusterWide(spec, dev.pgfleet.blueprint.TrustedNetworks.anywhere())));
        assertThat(doc.get("bootstrap")).isEqualTo(clusterWide.get("bootstrap"));
        Map<String, Object> postgresql = (Map<String, Object>) doc.get("postgresql");
        Map<String, Object> expectedPostgresql = (Map<String, Object>) clusterWide.get("postgresql");
        assertThat(postgresql.get("parameters")).isEqualTo(expectedPostgresql.get("parameters"));
        assertThat((List<String>) postgresql.get("pg_hba")).endsWith(((List<String>) expectedPostgresql.get("pg_hba")).toArray(String[]::new))
                .allMatch(rule -> rule.startsWith("local ") || ((List<String>) expectedPostgresql.get("pg_hba")).contains(rule));
        assertThat(doc).containsEntry("namespace", "/pgfleet/");
        assertThat(((Map<String, Object>) ((Map<String, Object>) doc.get("bootstrap")).get("dcs")))
                .containsEntry("synchronous_mode", plan.synchronous());
        assertThat(patroniYml).doesNotContain("rest-secret", "su-secret", "repl-secret");
    }

    @Test
    void primaryAndReplicaServicesFollowSpilosRoleLabel() {
        ClusterSpec spec = spec(Plan.HA);
        Service primary = only(spec, Service.class, KubernetesNames.primaryService(spec));
        Service replicas = only(spec, Service.class, KubernetesNames.replicaService(spec));
        Service members = only(spec, Service.class, KubernetesNames.membersService(spec));
        assertThat(primary.getSpec().getSelector()).containsEntry("spilo-role", "master")
                .containsEntry(KubernetesNames.DATABASE_ID_LABEL, KubernetesFixtures.SCOPE);
        assertThat(replicas.getSpec().getSelector()).containsEntry("spilo-role", "replica");
        assertThat(primary.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(5432));
        assertThat(members.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(members.getSpec().getPublishNotReadyAddresses()).isTrue();
        assertThat(members.getSpec().getSelector()).doesNotContainKey("spilo-role");
    }

    @Test
    void podsMayLabelOnlyTheirOwnPodsAndPatchOnlyTheirScopesEndpoints() {
        ClusterSpec spec = spec(Plan.HA);
        Role role = only(spec, Role.class, KubernetesNames.role(spec));
        Set<String> patchable = new HashSet<>();
        for (PolicyRule rule : role.getRules()) {
            if (rule.getVerbs().contains("patch")) {
                patchable.addAll(rule.getResources().stream().flatMap(r -> rule.getResourceNames().stream().map(n -> r + "/" + n)).toList());
            }
        }
        assertThat(patchable).containsExactlyInAnyOrder("pods/shop-3f1c2b7a-0", "pods/shop-3f1c2b7a-1", "pods/shop-3f1c2b7a-2",
                "endpoints/" + KubernetesFixtures.SCOPE);
        assertThat(KubernetesNames.leaderEndpoints(spec)).isEqualTo(spec.scope());
        // Spilo's callback only patches; a member must not list or watch the namespace's pods.
        assertThat(role.getRules()).noneSatisfy(rule -> assertThat(rule.getVerbs()).containsAnyOf("list", "watch"));
        assertThat(role.getRules()).allSatisfy(rule -> assertThat(rule.getResourceNames()).isNotEmpty());
    }

    @Test
    void spiloGetsItsScopesOwnEtcdUserWithThePasswordFromTheSecret() {
        ClusterSpec spec = spec(Plan.HA);
        List<EnvVar> env = container(Plan.HA).getEnv();
        assertThat(env).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("ETCD3_USERNAME");
            assertThat(e.getValue()).isEqualTo(dev.pgfleet.blueprint.Dcs.scopeUser(spec.scope()));
        });
        assertThat(env).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("ETCD3_PASSWORD");
            assertThat(e.getValue()).isNull();
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(KubernetesNames.secret(spec));
            assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo(KubernetesBlueprint.DCS_PASSWORD_KEY);
        });
        io.fabric8.kubernetes.api.model.Secret secret = only(spec, io.fabric8.kubernetes.api.model.Secret.class, KubernetesNames.secret(spec));
        assertThat(secret.getStringData()).containsEntry(KubernetesBlueprint.DCS_PASSWORD_KEY, "dcs-secret");
    }
}
