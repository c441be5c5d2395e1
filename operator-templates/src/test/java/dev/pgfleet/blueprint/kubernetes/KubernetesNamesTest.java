package dev.pgfleet.blueprint.kubernetes;

import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.SETTINGS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class KubernetesNamesTest {
    private static final String LONGEST = "a".repeat(30) + "-" + "b".repeat(32);

    static Stream<Arguments> specs() {
        return Stream.of(Plan.values()).flatMap(plan -> Stream.of(
                Arguments.of(KubernetesFixtures.spec(plan)),
                Arguments.of(new ClusterSpec(KubernetesFixtures.SCOPE, LONGEST, plan, 15)),
                // A truncation that would end in a hyphen, and a scope whose first 8 characters end in one.
                Arguments.of(new ClusterSpec("0123456-89", "a".repeat(31) + "-xyz", plan, 15))));
    }

    @ParameterizedTest
    @MethodSource("specs")
    void allNamesAreDnsLabels(ClusterSpec spec) {
        assertThat(spec.databaseName().length()).isLessThanOrEqualTo(63);
        assertThat(KubernetesNames.base(spec)).hasSizeLessThanOrEqualTo(KubernetesNames.BASE_MAX_LENGTH)
                .matches("[a-z]([-a-z0-9]*[a-z0-9])?");
        List<HasMetadata> objects = new ArrayList<>(KubernetesFixtures.all(spec));
        objects.addAll(KubernetesBlueprint.sharedEtcd(SETTINGS));
        for (HasMetadata object : objects) {
            String name = object.getMetadata().getName();
            assertThat(KubernetesNames.isDnsLabel(name)).as(object.getKind() + " " + name).isTrue();
            object.getMetadata().getLabels().values().forEach(v -> assertThat(KubernetesNames.isLabelValue(v)).as(v).isTrue());
            if (object instanceof StatefulSet sts) {
                // Pod names get "-<ordinal>", the controller-revision-hash label "-<10 characters>".
                assertThat(name).hasSizeLessThanOrEqualTo(52);
                assertThat(name + "-" + "x".repeat(10)).hasSizeLessThanOrEqualTo(63);
                assertThat(sts.getSpec().getServiceName()).matches(KubernetesNames::isDnsLabel);
            }
        }
        for (int i = 0; i < spec.plan().members(); i++) {
            assertThat(KubernetesNames.isDnsLabel(KubernetesNames.podName(spec, i))).isTrue();
        }
    }

    @Test
    void baseIsTheDatabaseNameAndTheStartOfTheScope() {
        assertThat(KubernetesNames.base(KubernetesFixtures.spec(Plan.DEV))).isEqualTo("shop-3f1c2b7a");
        assertThat(KubernetesNames.base(new ClusterSpec(KubernetesFixtures.SCOPE, LONGEST, Plan.DEV, 15)))
                .isEqualTo("a".repeat(30) + "-3f1c2b7a");
        assertThat(KubernetesNames.base(new ClusterSpec("0123456-89", "a".repeat(31) + "-xyz", Plan.DEV, 15)))
                .isEqualTo("a".repeat(31) + "-0123456");
    }

    @Test
    void twoDatabasesWithTheSameNameGetDifferentObjects() {
        ClusterSpec a = new ClusterSpec("11111111-aaaa", "shop", Plan.DEV, 15);
        ClusterSpec b = new ClusterSpec("22222222-aaaa", "shop", Plan.DEV, 15);
        assertThat(KubernetesNames.base(a)).isNotEqualTo(KubernetesNames.base(b));
    }

    @Test
    void hostsAreServiceDnsNames() {
        ClusterSpec spec = KubernetesFixtures.spec(Plan.HA);
        assertThat(KubernetesNames.memberHost(spec, 2, SETTINGS)).isEqualTo("shop-3f1c2b7a-2.shop-3f1c2b7a-members.pgfleet.svc");
        assertThat(KubernetesNames.primaryHost(spec, SETTINGS)).isEqualTo("shop-3f1c2b7a-primary.pgfleet.svc");
        assertThat(KubernetesNames.poolerHost(spec, SETTINGS)).isEqualTo("shop-3f1c2b7a-pooler.pgfleet.svc");
    }

    @Test
    void aScopeThatIsNoLabelValueIsRefused() {
        ClusterSpec spec = new ClusterSpec("scope-ending-", "shop", Plan.DEV, 15);
        assertThatThrownBy(() -> KubernetesNames.labels(spec, KubernetesNames.POSTGRES_COMPONENT))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void labelKeysAndValues() {
        assertThat(KubernetesNames.isLabelKey("pgfleet.dev/storage")).isTrue();
        assertThat(KubernetesNames.isLabelKey("storage")).isTrue();
        assertThat(KubernetesNames.isLabelKey("/storage")).isFalse();
        assertThat(KubernetesNames.isLabelKey("pgfleet.dev/")).isFalse();
        assertThat(KubernetesNames.isLabelKey("Bad_Prefix/x")).isFalse();
        assertThat(KubernetesNames.isLabelValue("")).isTrue();
        assertThat(KubernetesNames.isLabelValue("-x")).isFalse();
    }
}
