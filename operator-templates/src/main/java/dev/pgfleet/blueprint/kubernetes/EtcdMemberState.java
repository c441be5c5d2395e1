package dev.pgfleet.blueprint.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the shared etcd's members learn from the control plane at start (pure): the ConfigMap
 * {@link KubernetesNames#etcdMembersConfigMap()}, mounted in every member at {@link #MOUNT} and read by the image's
 * {@code pgfleet-etcd-member} script, which chooses etcd's {@code --initial-cluster-state} from it.
 *
 * <p>No ConfigMap (the mount is optional) means the cluster is being formed: members without data start with
 * {@code new}. Once the three members have formed it, the control plane writes {@value #CLUSTER_STATE_KEY} =
 * {@value #EXISTING}; from then on a member that starts with an empty data directory (its volume was lost) exits
 * with {@value #EMPTY_DATA_DIR} in its termination message, the control plane removes its stale member entry and
 * adds it again with its peer URL, and writes {@code <pod name>} = {@value #JOIN}; at its next start the member
 * joins with {@code existing}. The control plane drops the key once the member has started.
 *
 * <p>A file rather than an environment variable: the kubelet refreshes a mounted ConfigMap in running pods, so no
 * template changes and nothing restarts when the state moves, and one key per member is possible (an environment
 * variable's key cannot depend on the pod's name).
 */
public final class EtcdMemberState {
    public static final String MOUNT = "/etc/pgfleet/etcd";
    public static final String CLUSTER_STATE_KEY = "cluster-state";
    public static final String EXISTING = "existing";
    public static final String JOIN = "join";
    /** What a member without data, not yet re-added, writes to its termination message (the script's wording). */
    public static final String EMPTY_DATA_DIR = "empty data dir";

    private EtcdMemberState() {
    }

    /** The peer URL a member advertises (and is added again with). */
    public static String peerUrl(int ordinal, KubernetesSettings s) {
        return "http://" + KubernetesNames.etcdMemberHost(ordinal, s) + ":" + SharedEtcd.PEER_PORT;
    }

    /** The ConfigMap with the cluster formed and {@code joining} members to be let in. */
    public static ConfigMap configMap(KubernetesSettings s, Iterable<String> joining) {
        Map<String, String> data = new TreeMap<>();
        data.put(CLUSTER_STATE_KEY, EXISTING);
        for (String pod : joining) {
            data.put(pod, JOIN);
        }
        return new ConfigMapBuilder()
                .withNewMetadata().withName(KubernetesNames.etcdMembersConfigMap()).withNamespace(s.namespace())
                .withLabels(KubernetesNames.etcdLabels()).endMetadata()
                .withData(data)
                .build();
    }
}
