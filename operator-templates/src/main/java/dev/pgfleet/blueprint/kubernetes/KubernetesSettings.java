package dev.pgfleet.blueprint.kubernetes;

/**
 * Where and with what the Kubernetes runtime runs databases: the namespace, the images, and the NVMe nodes
 * (their label) with their storage class. One value for the whole control plane.
 *
 * @param pgbouncerImage        pgfleet's data-plane image, or one with the same entrypoint (`pgfleet-dataplane pgbouncer …`) and uid 999
 * @param controlPlaneNamespace where the control plane's pods run: the only namespace NetworkPolicies admit it from
 */
public record KubernetesSettings(String namespace, String patroniImage, String pgbouncerImage, String etcdImage,
                                 String storageClass, String nvmeLabelKey, String nvmeLabelValue,
                                 String controlPlaneNamespace) {

    public KubernetesSettings {
        if (!KubernetesNames.isDnsLabel(namespace)) {
            throw new IllegalArgumentException("namespace must be a DNS label: " + namespace);
        }
        if (!KubernetesNames.isDnsLabel(controlPlaneNamespace)) {
            throw new IllegalArgumentException("controlPlaneNamespace must be a DNS label: " + controlPlaneNamespace);
        }
        requireImage("patroniImage", patroniImage);
        requireImage("pgbouncerImage", pgbouncerImage);
        requireImage("etcdImage", etcdImage);
        if (storageClass == null || storageClass.isBlank() || storageClass.length() > 253
                || !storageClass.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
            throw new IllegalArgumentException("storageClass must be a DNS subdomain: " + storageClass);
        }
        if (!KubernetesNames.isLabelKey(nvmeLabelKey)) {
            throw new IllegalArgumentException("nvmeLabelKey must be a label key: " + nvmeLabelKey);
        }
        if (nvmeLabelValue == null || nvmeLabelValue.isEmpty() || !KubernetesNames.isLabelValue(nvmeLabelValue)) {
            throw new IllegalArgumentException("nvmeLabelValue must be a non-empty label value: " + nvmeLabelValue);
        }
    }

    /** The control plane runs in the databases' namespace. */
    public KubernetesSettings(String namespace, String patroniImage, String pgbouncerImage, String etcdImage,
                              String storageClass, String nvmeLabelKey, String nvmeLabelValue) {
        this(namespace, patroniImage, pgbouncerImage, etcdImage, storageClass, nvmeLabelKey, nvmeLabelValue, namespace);
    }

    /** pgfleet's own data-plane image ({@code ./pgfleet images}) for the members. */
    public static final String DEFAULT_DATAPLANE_IMAGE = "pgfleet/dataplane:0.1.0-SNAPSHOT";

    /**
     * pgfleet's data-plane image for the members, the pooler and the shared etcd (Patroni 3.0.2, PostgreSQL 15 with
     * pgvector, PgBouncer 1.24, etcd 3.4, from Debian packages and source packages, the versions the local runtime runs), and nodes
     * labelled pgfleet.dev/storage=nvme with the local-nvme class. Three settings, one default: each can move on
     * its own (a new pooler image rolls only the pooler).
     */
    public static KubernetesSettings defaults() {
        return new KubernetesSettings("pgfleet", DEFAULT_DATAPLANE_IMAGE,
                DEFAULT_DATAPLANE_IMAGE, DEFAULT_DATAPLANE_IMAGE,
                "local-nvme", "pgfleet.dev/storage", "nvme");
    }

    private static void requireImage(String what, String image) {
        if (image == null || image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(what + " must be an image reference: " + image);
        }
    }
}
