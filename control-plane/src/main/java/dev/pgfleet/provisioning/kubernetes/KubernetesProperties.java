package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The Kubernetes runtime, bound from {@code pgfleet.kubernetes.*}; also used to export manifests under any runtime.
 *
 * @param namespace        where database objects are created
 * @param storageClass     the NVMe-backed storage class for PostgreSQL volumes
 * @param nvmeLabel        the node label ({@code key=value}) that marks NVMe nodes
 * @param pvcRetention     {@code retain} (default: data survives deletion, for recovery) or {@code delete}
 * @param leaseName        the Lease control-plane replicas elect a leader with
 * @param postgresVersions the PostgreSQL major versions the Patroni image ships
 * @param clusterDomain    the cluster's DNS domain: its fully qualified Service names go into the databases' server
 *                         certificates (KubernetesRuntime.serverCertificateNames); empty: not known, only the names up
 *                         to ".svc"
 * @param etcdUrl          the shared etcd's client URL where its Service name does not resolve (a control plane
 *                         outside the cluster, a test); empty: the Service
 */
@Validated
@ConfigurationProperties("pgfleet.kubernetes")
public record KubernetesProperties(
        @DefaultValue("pgfleet") @NotBlank String namespace,
        @DefaultValue("local-nvme") @NotBlank String storageClass,
        @DefaultValue("pgfleet.dev/storage=nvme") @NotBlank String nvmeLabel,
        @DefaultValue(KubernetesSettings.DEFAULT_DATAPLANE_IMAGE) @NotBlank String patroniImage,
        @DefaultValue(KubernetesSettings.DEFAULT_DATAPLANE_IMAGE) @NotBlank String pgbouncerImage,
        @DefaultValue(KubernetesSettings.DEFAULT_DATAPLANE_IMAGE) @NotBlank String etcdImage,
        @DefaultValue("retain") @Pattern(regexp = "retain|delete") String pvcRetention,
        @DefaultValue("pgfleet-leader") @NotBlank String leaseName,
        @DefaultValue("15") @NotEmpty List<Integer> postgresVersions,
        @DefaultValue("cluster.local") String clusterDomain,
        String etcdUrl) {

    public String nvmeLabelKey() {
        return nvmeLabel.contains("=") ? nvmeLabel.substring(0, nvmeLabel.indexOf('=')) : nvmeLabel;
    }

    public String nvmeLabelValue() {
        return nvmeLabel.contains("=") ? nvmeLabel.substring(nvmeLabel.indexOf('=') + 1) : "true";
    }
}
