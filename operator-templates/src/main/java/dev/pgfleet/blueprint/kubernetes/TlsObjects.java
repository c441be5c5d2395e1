package dev.pgfleet.blueprint.kubernetes;

import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.TlsFiles;
import dev.pgfleet.blueprint.TlsMaterial;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.Map;
import java.util.TreeMap;

/**
 * A database's TLS identity on Kubernetes: one Secret of type kubernetes.io/tls (the CA certificate, the server
 * certificate and its key that PgBouncer and every member present), and how the pods mount it.
 *
 * <p>The whole Secret is mounted as a directory, never through subPath: the kubelet rewrites a mounted Secret's files
 * in place when the Secret changes (within about a minute), so a renewed certificate reaches running pods, which then
 * only need a reload (the control plane's TLS renewal step), no restart. subPath mounts are never updated.
 *
 * <p>File modes: PostgreSQL refuses a private key that others can read; a key owned by root (as the kubelet writes
 * Secret files) may be readable by its group, no more (0640 at most). The pods run as uid 999 with fsGroup 999, and
 * the kubelet gives the files that group: mode 0440 lets PostgreSQL and PgBouncer (both uid 999, group 999) read
 * them and nobody write them.
 */
public final class TlsObjects {
    /** Where members and poolers find their TLS files. */
    public static final String MOUNT = "/etc/pgfleet/tls";
    public static final String CA_KEY = "ca.crt";
    public static final String CERTIFICATE_KEY = "tls.crt";
    public static final String PRIVATE_KEY_KEY = "tls.key";
    static final String VOLUME = "tls";
    static final int MODE = 0440;

    private TlsObjects() {
    }

    /** The paths the renderers name (PatroniConfig's ssl_* parameters, PgBouncer's client and server TLS files). */
    public static TlsFiles files() {
        return new TlsFiles(MOUNT + "/" + CA_KEY, MOUNT + "/" + CERTIFICATE_KEY, MOUNT + "/" + PRIVATE_KEY_KEY);
    }

    static Secret secret(ClusterSpec spec, TlsMaterial tls, Meta meta) {
        Map<String, String> data = new TreeMap<>();
        data.put(CA_KEY, tls.caCertificatePem());
        data.put(CERTIFICATE_KEY, tls.certificatePem());
        data.put(PRIVATE_KEY_KEY, tls.privateKeyPem());
        return new SecretBuilder()
                .withMetadata(meta.owned(KubernetesNames.tlsSecret(spec), PatroniObjects.labels(spec)))
                .withType("kubernetes.io/tls")
                .withStringData(data)
                .build();
    }

    static Volume volume(ClusterSpec spec) {
        return new VolumeBuilder().withName(VOLUME).withNewSecret().withSecretName(KubernetesNames.tlsSecret(spec))
                .withDefaultMode(MODE).endSecret().build();
    }

    static VolumeMount mount() {
        return new VolumeMountBuilder().withName(VOLUME).withMountPath(MOUNT).withReadOnly(true).build();
    }
}
