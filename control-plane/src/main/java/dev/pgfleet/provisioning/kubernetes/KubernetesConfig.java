package dev.pgfleet.provisioning.kubernetes;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class KubernetesConfig {

    /** The blueprint's settings: needed by the Kubernetes runtime, and by manifest export under any runtime. */
    /** Where a pod's own namespace is, when the control plane runs in one (the service account's mount). */
    static final Path POD_NAMESPACE_FILE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    @Bean
    KubernetesSettings kubernetesSettings(KubernetesProperties k) {
        return new KubernetesSettings(k.namespace(), k.patroniImage(), k.pgbouncerImage(), k.etcdImage(), k.storageClass(), k.nvmeLabelKey(), k.nvmeLabelValue(),
                controlPlaneNamespace(POD_NAMESPACE_FILE).orElse(k.namespace()));
    }

    /**
     * The namespace the control plane's pod runs in, as Kubernetes mounts it; the databases' NetworkPolicies admit
     * the control plane from there only. Outside a pod there is none (the policies then name the databases'
     * namespace, where a control plane outside the cluster does not run anyway).
     */
    static Optional<String> controlPlaneNamespace(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            String namespace = Files.readString(file).strip();
            return KubernetesNames.isDnsLabel(namespace) ? Optional.of(namespace) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The namespace's shared etcd, administered by the control plane as root, through its client Service; or
     * through {@code pgfleet.kubernetes.etcd-url} where that Service's name does not resolve (a control plane
     * outside the cluster reaching etcd through a port-forward, a test).
     */
    @Bean
    @ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "kubernetes")
    KubernetesEtcd kubernetesEtcd(KubernetesClient client, KubernetesSettings settings, ObjectMapper json,
                                  KubernetesProperties properties) {
        String etcdUrl = properties.etcdUrl();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI endpoint = URI.create(etcdUrl == null || etcdUrl.isBlank() ? KubernetesNames.etcdClientUrl(settings) : etcdUrl);
        return new KubernetesEtcd(client, settings, http, json, endpoint);
    }

    /** In-cluster configuration when running in a pod, else the kubeconfig (KUBECONFIG or ~/.kube/config). */
    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "kubernetes")
    KubernetesClient kubernetesClient() {
        return new KubernetesClientBuilder().build();
    }
}
