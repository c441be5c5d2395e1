package dev.pgfleet.blueprint.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgfleet.blueprint.ClusterSecrets;
import org.junit.jupiter.api.Test;

class KubernetesSettingsTest {

    @Test
    void defaults() {
        KubernetesSettings s = KubernetesSettings.defaults();
        assertThat(s.namespace()).isEqualTo("pgfleet");
        assertThat(s.patroniImage()).isEqualTo("pgfleet/dataplane:0.1.0-SNAPSHOT");
        assertThat(s.etcdImage()).as("one data-plane image for members, pooler and etcd").isEqualTo(s.patroniImage());
        assertThat(s.storageClass()).isEqualTo("local-nvme");
        assertThat(s.nvmeLabelKey()).isEqualTo("pgfleet.dev/storage");
        assertThat(s.nvmeLabelValue()).isEqualTo("nvme");
        assertThat(s.pgbouncerImage()).isEqualTo(s.patroniImage());
    }

    @Test
    void refusesWhatKubernetesWouldRefuse() {
        KubernetesSettings d = KubernetesSettings.defaults();
        assertThatThrownBy(() -> new KubernetesSettings("Bad_NS", d.patroniImage(), d.pgbouncerImage(), d.etcdImage(),
                d.storageClass(), d.nvmeLabelKey(), d.nvmeLabelValue())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KubernetesSettings(d.namespace(), " ", d.pgbouncerImage(), d.etcdImage(),
                d.storageClass(), d.nvmeLabelKey(), d.nvmeLabelValue())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KubernetesSettings(d.namespace(), d.patroniImage(), d.pgbouncerImage(), d.etcdImage(),
                d.storageClass(), "pgfleet.dev/storage=nvme", d.nvmeLabelValue())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KubernetesSettings(d.namespace(), d.patroniImage(), d.pgbouncerImage(), d.etcdImage(),
                d.storageClass(), d.nvmeLabelKey(), "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void secretsAreRedactedAndTheRestApiPasswordMustBePrintableAsciiWithoutAQuote() {
        assertThat(KubernetesFixtures.SECRETS.toString()).doesNotContain("secret-", "su-secret").contains("redacted");
        assertThatThrownBy(() -> new DatabaseSecrets(new ClusterSecrets("a", "b", "it's", "h"), "d", "e", "f", "g"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DatabaseSecrets(new ClusterSecrets("a", "b", "c", "h"), "", "e", "f", "g"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
