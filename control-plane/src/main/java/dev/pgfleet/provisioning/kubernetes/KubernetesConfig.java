package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.system.PgfleetProperties;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class KubernetesConfig {

    /** The blueprint's settings: needed by the Kubernetes runtime, and by manifest export under any runtime. */
    @Bean
    KubernetesSettings kubernetesSettings(PgfleetProperties properties) {
        PgfleetProperties.Kubernetes k = properties.kubernetes();
        KubernetesSettings defaults = KubernetesSettings.defaults();
        return new KubernetesSettings(k.namespace(), k.patroniImage(),
                k.pgbouncerImage() == null || k.pgbouncerImage().isBlank() ? defaults.pgbouncerImage() : k.pgbouncerImage(),
                k.etcdImage(), k.storageClass(), k.nvmeLabelKey(), k.nvmeLabelValue());
    }

    /** In-cluster configuration when running in a pod, else the kubeconfig (KUBECONFIG or ~/.kube/config). */
    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "kubernetes")
    KubernetesClient kubernetesClient() {
        return new KubernetesClientBuilder().build();
    }
}
