package dev.pgfleet.blueprint.kubernetes;

import dev.pgfleet.blueprint.ClusterSpec;
import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The one place for the names and labels of a database's Kubernetes objects and of the shared etcd.
 *
 * <p>Every object of a database is named from {@link #base}: the database name (truncated) plus the first
 * characters of its scope, so two tenants' databases called "shop" get different objects, and a person can
 * still tell which database an object belongs to. The base is at most {@value #BASE_MAX_LENGTH} characters,
 * which leaves room for the longest suffix below (a DNS label holds 63) and keeps the StatefulSet name under
 * 52, so its pod names and the controller-revision-hash label (name + "-" + 10 characters) stay valid.
 */
public final class KubernetesNames {
    public static final String NAME_LABEL = "app.kubernetes.io/name";
    public static final String INSTANCE_LABEL = "app.kubernetes.io/instance";
    public static final String COMPONENT_LABEL = "app.kubernetes.io/component";
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String PART_OF_LABEL = "app.kubernetes.io/part-of";
    public static final String DATABASE_ID_LABEL = "pgfleet.dev/database-id";
    public static final String SPEC_HASH_ANNOTATION = "pgfleet.dev/spec-hash";

    public static final String DATABASE_APP = "pgfleet-database";
    public static final String POOLER_APP = "pgfleet-pooler";
    public static final String ETCD_APP = "pgfleet-etcd";
    /** The label value the control plane's pods carry; NetworkPolicies let them reach PostgreSQL, Patroni and etcd. */
    public static final String CONTROL_PLANE_APP = "pgfleet-control-plane";
    public static final String POSTGRES_COMPONENT = "postgres";
    public static final String POOLER_COMPONENT = "pooler";
    /** The read-only pooler's pods: a component of their own, so the main pooler's Service never selects them. */
    public static final String READ_ONLY_POOLER_COMPONENT = "read-only-pooler";
    public static final String ETCD_COMPONENT = "etcd";
    public static final String MANAGER = "pgfleet";

    public static final int BASE_MAX_LENGTH = 40;
    private static final int SCOPE_CHARS = 8;
    private static final int DNS_LABEL_MAX = 63;
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

    private KubernetesNames() {
    }

    /** "&lt;database name, truncated&gt;-&lt;first 8 characters of the scope&gt;": a DNS-1035 label of at most 40 characters. */
    public static String base(ClusterSpec spec) {
        String scopePart = trimHyphens(spec.scope().substring(0, Math.min(SCOPE_CHARS, spec.scope().length())));
        String name = trimHyphens(spec.databaseName().substring(0,
                Math.min(spec.databaseName().length(), BASE_MAX_LENGTH - 1 - scopePart.length())));
        return name + "-" + scopePart;
    }

    /** The ConfigMap every other object of the database is owned by; deleting it deletes the database's objects. */
    public static String root(ClusterSpec spec) {
        return base(spec);
    }

    public static String secret(ClusterSpec spec) {
        return base(spec);
    }

    /**
     * The database's TLS Secret (type kubernetes.io/tls: ca.crt, tls.crt, tls.key), mounted into every member and
     * pooler pod; renewing the certificate rewrites it in place.
     */
    public static String tlsSecret(ClusterSpec spec) {
        return base(spec) + "-tls";
    }

    public static String patroniConfig(ClusterSpec spec) {
        return base(spec) + "-patroni";
    }

    public static String serviceAccount(ClusterSpec spec) {
        return base(spec) + "-patroni";
    }

    public static String role(ClusterSpec spec) {
        return base(spec) + "-patroni";
    }

    public static String roleBinding(ClusterSpec spec) {
        return base(spec) + "-patroni";
    }

    public static String statefulSet(ClusterSpec spec) {
        return base(spec);
    }

    /** The headless Service that gives each member pod a stable DNS name (the StatefulSet's serviceName). */
    public static String membersService(ClusterSpec spec) {
        return base(spec) + "-members";
    }

    public static String primaryService(ClusterSpec spec) {
        return base(spec) + "-primary";
    }

    public static String replicaService(ClusterSpec spec) {
        return base(spec) + "-replicas";
    }

    public static String poolerConfig(ClusterSpec spec) {
        return base(spec) + "-pooler";
    }

    public static String poolerDeployment(ClusterSpec spec) {
        return base(spec) + "-pooler";
    }

    public static String poolerService(ClusterSpec spec) {
        return base(spec) + "-pooler";
    }

    public static String pdb(ClusterSpec spec) {
        return base(spec);
    }

    public static String poolerPdb(ClusterSpec spec) {
        return base(spec) + "-pooler";
    }

    /** The read-only pooler's ConfigMap, Deployment, Service, PodDisruptionBudget and NetworkPolicy (plans with replicas). */
    public static String readOnlyPooler(ClusterSpec spec) {
        return base(spec) + "-ro";
    }

    /** The NetworkPolicy around the Patroni pods. */
    public static String networkPolicy(ClusterSpec spec) {
        return base(spec) + "-postgres";
    }

    public static String poolerNetworkPolicy(ClusterSpec spec) {
        return base(spec) + "-pooler";
    }

    /**
     * A member's pod name, which is also its Patroni member name (its patroni.yml says so) and the member name the
     * control plane stores, observes and switches over by.
     */
    public static String podName(ClusterSpec spec, int ordinal) {
        return statefulSet(spec) + "-" + ordinal;
    }

    /** A member's stable DNS name through the headless members Service (resolves before the pod is ready). */
    public static String memberHost(ClusterSpec spec, int ordinal, KubernetesSettings s) {
        return podName(spec, ordinal) + "." + membersService(spec) + "." + s.namespace() + ".svc";
    }

    public static String primaryHost(ClusterSpec spec, KubernetesSettings s) {
        return primaryService(spec) + "." + s.namespace() + ".svc";
    }

    public static String poolerHost(ClusterSpec spec, KubernetesSettings s) {
        return poolerService(spec) + "." + s.namespace() + ".svc";
    }

    public static String readOnlyPoolerHost(ClusterSpec spec, KubernetesSettings s) {
        return readOnlyPooler(spec) + "." + s.namespace() + ".svc";
    }

    public static String replicaHost(ClusterSpec spec, KubernetesSettings s) {
        return replicaService(spec) + "." + s.namespace() + ".svc";
    }

    // ---- the shared etcd --------------------------------------------------------------------------

    public static String etcdStatefulSet() {
        return ETCD_APP;
    }

    /** Headless: the peers find each other (and Patroni finds each member) by pod DNS name. */
    public static String etcdPeerService() {
        return ETCD_APP;
    }

    public static String etcdClientService() {
        return ETCD_APP + "-client";
    }

    /**
     * The Secret holding the shared etcd's root password, created by the control plane on first need. Member pods
     * cannot read it: their Role grants nothing on Secrets, and the pods get only their own scope's password.
     */
    public static String etcdRootSecret() {
        return ETCD_APP + "-root";
    }

    /** The shared etcd's clients address, for the control plane. */
    public static String etcdClientUrl(KubernetesSettings s) {
        return "http://" + etcdClientService() + "." + s.namespace() + ".svc:2379";
    }

    /** What the shared etcd's members read at start to choose their initial cluster state (EtcdMemberState). */
    public static String etcdMembersConfigMap() {
        return ETCD_APP + "-members";
    }

    public static String etcdPdb() {
        return ETCD_APP;
    }

    public static String etcdNetworkPolicy() {
        return ETCD_APP;
    }

    public static String etcdPodName(int ordinal) {
        return etcdStatefulSet() + "-" + ordinal;
    }

    public static String etcdMemberHost(int ordinal, KubernetesSettings s) {
        return etcdPodName(ordinal) + "." + etcdPeerService() + "." + s.namespace() + ".svc";
    }

    // ---- backup verification (in the control plane's namespace, beside the backup store's claim) ------

    /** The pods of verification Jobs: no database's or etcd's NetworkPolicy admits this name or component. */
    public static final String VERIFICATION_APP = "pgfleet-backup-verification";
    public static final String VERIFICATION_COMPONENT = "backup-verification";
    public static final String BACKUP_ID_LABEL = "pgfleet.dev/backup-id";
    private static final String VERIFICATION_JOB_PREFIX = "pgfleet-verify-";

    /** One Job per backup: "pgfleet-verify-" and the backup id, 51 characters (pod names add 6). */
    public static String verificationJob(String backupId) {
        String name = VERIFICATION_JOB_PREFIX + requireLabelValue(backupId);
        if (!isDnsLabel(name) || name.length() > 57) {
            throw new IllegalArgumentException("not a usable backup id for a Job name: " + backupId);
        }
        return name;
    }

    /** The one NetworkPolicy that isolates every verification pod of a namespace. */
    public static String verificationNetworkPolicy() {
        return VERIFICATION_APP;
    }

    /** Labels of a verification Job and its pod: app.kubernetes.io/*, the database id and the backup id. */
    public static SortedMap<String, String> verificationLabels(String databaseId, String backupId) {
        SortedMap<String, String> labels = new TreeMap<>(verificationSelector());
        labels.put(INSTANCE_LABEL, verificationJob(backupId));
        labels.put(PART_OF_LABEL, MANAGER);
        labels.put(DATABASE_ID_LABEL, requireLabelValue(databaseId));
        labels.put(BACKUP_ID_LABEL, requireLabelValue(backupId));
        return labels;
    }

    /** Selects every verification pod (the NetworkPolicy's pod selector). */
    public static SortedMap<String, String> verificationSelector() {
        SortedMap<String, String> selector = new TreeMap<>();
        selector.put(NAME_LABEL, VERIFICATION_APP);
        selector.put(COMPONENT_LABEL, VERIFICATION_COMPONENT);
        selector.put(MANAGED_BY_LABEL, MANAGER);
        return selector;
    }

    // ---- labels --------------------------------------------------------------------------------------

    /** All labels of a database object: app.kubernetes.io/*, and the database id the control plane selects by. */
    public static SortedMap<String, String> labels(ClusterSpec spec, String component) {
        SortedMap<String, String> labels = new TreeMap<>();
        labels.put(NAME_LABEL, POOLER_COMPONENT.equals(component) || READ_ONLY_POOLER_COMPONENT.equals(component)
                ? POOLER_APP : DATABASE_APP);
        labels.put(INSTANCE_LABEL, base(spec));
        labels.put(COMPONENT_LABEL, component);
        labels.put(MANAGED_BY_LABEL, MANAGER);
        labels.put(PART_OF_LABEL, MANAGER);
        labels.put(DATABASE_ID_LABEL, requireLabelValue(spec.scope()));
        return labels;
    }

    /** The labels that select a component's pods; they never change for a database (selectors are immutable). */
    public static SortedMap<String, String> selector(ClusterSpec spec, String component) {
        SortedMap<String, String> selector = new TreeMap<>();
        selector.put(DATABASE_ID_LABEL, requireLabelValue(spec.scope()));
        selector.put(COMPONENT_LABEL, component);
        return selector;
    }

    public static SortedMap<String, String> etcdLabels() {
        SortedMap<String, String> labels = new TreeMap<>(etcdSelector());
        labels.put(INSTANCE_LABEL, ETCD_APP);
        labels.put(MANAGED_BY_LABEL, MANAGER);
        labels.put(PART_OF_LABEL, MANAGER);
        return labels;
    }

    public static SortedMap<String, String> etcdSelector() {
        SortedMap<String, String> selector = new TreeMap<>();
        selector.put(NAME_LABEL, ETCD_APP);
        selector.put(COMPONENT_LABEL, ETCD_COMPONENT);
        return selector;
    }

    // ---- validation ----------------------------------------------------------------------------------

    public static boolean isDnsLabel(String name) {
        return name != null && name.length() <= DNS_LABEL_MAX && DNS_LABEL.matcher(name).matches();
    }

    static boolean isLabelValue(String value) {
        return value != null && value.length() <= DNS_LABEL_MAX && LABEL_VALUE.matcher(value).matches();
    }

    /** A label key: an optional DNS-subdomain prefix and "/", then a name like a label value (not empty). */
    static boolean isLabelKey(String key) {
        if (key == null || key.isEmpty()) {
            return false;
        }
        int slash = key.lastIndexOf('/');
        String name = key.substring(slash + 1);
        if (name.isEmpty() || !isLabelValue(name)) {
            return false;
        }
        if (slash < 0) {
            return true;
        }
        String prefix = key.substring(0, slash);
        return prefix.length() <= 253 && Arrays.stream(prefix.split("\\.", -1)).allMatch(KubernetesNames::isDnsLabel);
    }

    static String requireLabelValue(String value) {
        if (!isLabelValue(value)) {
            throw new IllegalArgumentException("not a valid Kubernetes label value: " + value);
        }
        return value;
    }

    static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        SortedMap<String, String> merged = new TreeMap<>(a);
        merged.putAll(b);
        return merged;
    }

    private static String trimHyphens(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '-') {
            end--;
        }
        return s.substring(0, end);
    }
}
