package dev.pgfleet.blueprint.kubernetes;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.PgBouncerConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Kubernetes objects of a database, built from the same blueprint the local runtime uses: pgfleet's data-plane
 * image running Patroni (and PostgreSQL with pgvector) in a StatefulSet on NVMe nodes, each member configured by
 * the same {@code PatroniConfig} as a local member, PgBouncer in transaction mode in front of the
 * primary Service, and one shared etcd per namespace as Patroni's DCS. Pure: no client, no I/O; the same inputs
 * give equal objects.
 *
 * <p>Every object of a database is owned by its root ConfigMap (deleting the root deletes the rest) and carries
 * the spec hash, which is also on the pooler's pod template, so a changed spec or setting rolls the pods and applies
 * the new configuration. The Patroni StatefulSet carries the members' hash instead ({@link #membersHash}): only
 * what the members run changes it, and the control plane then rolls them one at a time (MemberRollout).
 *
 * <p>TLS (when the secrets carry a {@code TlsMaterial}): a Secret of type kubernetes.io/tls, mounted as a directory
 * into every member and pooler pod, whose paths the renderers name ({@link TlsObjects}). The certificate's content is
 * in no hash and no pod template: a renewal changes the TLS Secret alone. Turning TLS on for an existing database
 * changes the pod templates (the mount) and rolls the members once, as any template change does.
 */
public final class KubernetesBlueprint {
    public static final String SUPERUSER_PASSWORD_KEY = "superuser-password";
    public static final String REPLICATION_PASSWORD_KEY = "replication-password";
    public static final String REST_API_PASSWORD_KEY = "rest-api-password";
    public static final String OWNER_PASSWORD_KEY = "owner-password";
    public static final String POOLER_USERLIST_KEY = "pooler-userlist";
    public static final String POOLER_ADMIN_PASSWORD_KEY = "pooler-admin-password";
    /** The password of the database's own etcd user, which may touch only its scope's keys. */
    public static final String DCS_PASSWORD_KEY = "dcs-password";
    /** Where a member pod reads its patroni.yml (which carries its scope's etcd user and password). */
    public static final String PATRONI_CONFIG_MOUNT = "/etc/pgfleet/patroni";
    /** How many members the namespace's shared etcd has. */
    public static final int ETCD_MEMBERS = SharedEtcd.MEMBERS;
    /** Bumped when the objects built for an unchanged spec change, so that existing databases are rolled. */
    static final String REVISION = "pgfleet-kubernetes-blueprint/3";

    private KubernetesBlueprint() {
    }

    /** The root object every other object of the database is owned by (a ConfigMap holding the spec). */
    public static ConfigMap root(ClusterSpec spec, KubernetesSettings s) {
        Map<String, String> data = new TreeMap<>();
        data.put("database-id", spec.scope());
        data.put("database-name", spec.databaseName());
        data.put("plan", spec.plan().id());
        data.put("postgres-version", Integer.toString(spec.postgresMajorVersion()));
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(KubernetesNames.root(spec))
                .withNamespace(s.namespace())
                .withLabels(PatroniObjects.labels(spec))
                .withAnnotations(new TreeMap<>(Map.of(KubernetesNames.SPEC_HASH_ANNOTATION, specHash(spec, s))))
                .endMetadata()
                .withData(data)
                .build();
    }

    /**
     * All other objects of the database, in the order to apply them: Secret, the TLS Secret (when the secrets carry
     * a TLS identity), the members' Patroni configuration Secret, ServiceAccount, StatefulSet, Services (members,
     * primary, replicas, pooler), PgBouncer ConfigMap and Deployment, PodDisruptionBudgets (members, pooler),
     * NetworkPolicies (members, pooler); then, for plans with replicas, the read-only pooler's Service, ConfigMap,
     * Deployment, PDB and NetworkPolicy.
     * Each has one controller ownerReference to the root ConfigMap (uid {@code rootUid}) and the spec hash.
     */
    public static List<HasMetadata> databaseObjects(ClusterSpec spec, KubernetesSettings s, DatabaseSecrets secrets,
                                                    String rootUid) {
        if (rootUid == null || rootUid.isBlank()) {
            throw new IllegalArgumentException("the root object's uid is required");
        }
        Meta meta = new Meta(s.namespace(), KubernetesNames.root(spec), rootUid, specHash(spec, s));
        boolean tls = secrets.tls() != null;
        List<HasMetadata> objects = new ArrayList<>();
        objects.add(secret(spec, secrets, meta));
        if (tls) {
            // Before the pods that mount it. Its content is in no hash: a renewed certificate rewrites this Secret
            // only, the kubelet refreshes the mounted files, and the control plane reloads (no pod restarts).
            objects.add(TlsObjects.secret(spec, secrets.tls(), meta));
        }
        objects.addAll(List.of(
                PatroniObjects.config(spec, s, secrets, meta),
                PatroniObjects.serviceAccount(spec, meta),
                // The members' own hash, not the spec hash: a new pooler or etcd image must not restart PostgreSQL.
                PatroniStatefulSet.build(spec, s, meta.withSpecHash(membersHash(spec, s)), tls),
                PatroniObjects.membersService(spec, meta),
                PatroniObjects.primaryService(spec, meta),
                PatroniObjects.replicaService(spec, meta),
                PoolerObjects.service(spec, meta),
                PoolerObjects.config(spec, s, meta, tls),
                PoolerObjects.deployment(spec, s, meta, tls),
                PatroniObjects.pdb(spec, meta),
                PoolerObjects.pdb(spec, meta),
                NetworkPolicies.postgres(spec, s, meta),
                NetworkPolicies.pooler(spec, meta)));
        objects.addAll(ReadOnlyPoolerObjects.objects(spec, s, meta, tls));
        return List.copyOf(objects);
    }

    /**
     * The namespace's shared etcd: headless peer Service, client Service, a three-member StatefulSet, its
     * PodDisruptionBudget and NetworkPolicy. Not owned by any database.
     */
    public static List<HasMetadata> sharedEtcd(KubernetesSettings s) {
        return SharedEtcd.objects(s);
    }

    /** "pgfleet-etcd-0.pgfleet-etcd.&lt;namespace&gt;.svc:2379,..." for Patroni's etcd3 hosts. */
    public static String etcdHosts(KubernetesSettings s) {
        return SharedEtcd.hosts(s);
    }

    /** SHA-256 (hex) of the effective spec and settings: equal on all objects of a database, for drift detection. */
    public static String specHash(ClusterSpec spec, KubernetesSettings s) {
        Map<String, String> fields = membersFields(spec, s);
        fields.put("pgbouncerImage", s.pgbouncerImage());
        fields.put("etcdImage", s.etcdImage());
        fields.put("controlPlaneNamespace", s.controlPlaneNamespace());
        return sha256(fields);
    }

    /**
     * SHA-256 (hex) of what the Patroni members run and nothing else: the StatefulSet and its pod template carry this
     * one instead of {@link #specHash}, so that a new pooler or etcd image, or anything else the members do not
     * run, leaves the StatefulSet unchanged and no PostgreSQL pod restarts. The namespace is in it because the
     * members' etcd hosts and DNS names are derived from it; the etcd image is not (the hosts do not change with it).
     */
    public static String membersHash(ClusterSpec spec, KubernetesSettings s) {
        return sha256(membersFields(spec, s));
    }

    private static Map<String, String> membersFields(ClusterSpec spec, KubernetesSettings s) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("revision", REVISION);
        fields.put("scope", spec.scope());
        fields.put("databaseName", spec.databaseName());
        fields.put("plan", spec.plan().id());
        fields.put("postgresMajorVersion", Integer.toString(spec.postgresMajorVersion()));
        fields.put("namespace", s.namespace());
        fields.put("patroniImage", s.patroniImage());
        fields.put("storageClass", s.storageClass());
        fields.put("nvmeLabelKey", s.nvmeLabelKey());
        fields.put("nvmeLabelValue", s.nvmeLabelValue());
        return fields;
    }

    private static String sha256(Map<String, String> fields) {
        StringBuilder canonical = new StringBuilder();
        // Length-prefixed, so no value can be confused with a field boundary.
        fields.forEach((k, v) -> canonical.append(k).append(':').append(v.length()).append(':').append(v).append('\n'));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Passwords for the control plane (Patroni reads its own from the config Secret); for PgBouncer only the SCRAM verifiers (its auth file). */
    static Secret secret(ClusterSpec spec, DatabaseSecrets secrets, Meta meta) {
        Map<String, String> data = new TreeMap<>();
        ClusterSecrets cluster = secrets.cluster();
        data.put(SUPERUSER_PASSWORD_KEY, cluster.superuserPassword());
        data.put(REPLICATION_PASSWORD_KEY, cluster.replicationPassword());
        data.put(REST_API_PASSWORD_KEY, cluster.restApiPassword());
        data.put(DCS_PASSWORD_KEY, cluster.dcsPassword());
        data.put(OWNER_PASSWORD_KEY, secrets.ownerPassword());
        data.put(POOLER_ADMIN_PASSWORD_KEY, secrets.poolerAdminPassword());
        data.put(POOLER_USERLIST_KEY, PgBouncerConfig.renderAuthFile(List.of(
                new PgBouncerConfig.UserSecret(spec.ownerUsername(), secrets.ownerScramVerifier()),
                new PgBouncerConfig.UserSecret(ClusterSecrets.POOLER_ADMIN_USER, secrets.poolerAdminScramVerifier()))));
        return new SecretBuilder()
                .withMetadata(meta.owned(KubernetesNames.secret(spec), PatroniObjects.labels(spec)))
                .withType("Opaque")
                .withStringData(data)
                .build();
    }
}
