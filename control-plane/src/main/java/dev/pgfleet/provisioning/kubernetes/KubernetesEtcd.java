package dev.pgfleet.provisioning.kubernetes;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.Dcs;
import dev.pgfleet.blueprint.kubernetes.KubernetesBlueprint;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.database.Passwords;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.EtcdAccess;
import dev.pgfleet.provisioning.EtcdClient;
import dev.pgfleet.provisioning.EtcdMembership;
import dev.pgfleet.blueprint.kubernetes.EtcdMemberState;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerState;
import java.util.Set;
import java.util.TreeSet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The namespace's shared etcd as the control plane administers it (I/O): root's password in a Secret only the
 * control plane reads, each database's scope user created before its members start and removed with it, and
 * authentication switched on once every Patroni pod in the namespace has its scope's credentials (a pod from
 * before per-scope users would lose the DCS, and its leader would demote itself).
 */
class KubernetesEtcd {
    private static final Logger log = LoggerFactory.getLogger(KubernetesEtcd.class);
    static final String ROOT_PASSWORD_KEY = "root-password";
    static final String USERNAME_ENV = "ETCD3_USERNAME";

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final EtcdClient etcd;
    private final EtcdAccess access;
    private final EtcdMembership membership;
    private final Dcs dcs;
    private volatile String rootPassword;
    private volatile boolean authenticationEnabled;

    /** @param endpoint the shared etcd's clients URL; {@link KubernetesNames#etcdClientUrl} in a cluster */
    KubernetesEtcd(KubernetesClient client, KubernetesSettings settings, HttpClient http, ObjectMapper json, URI endpoint) {
        this.client = client;
        this.settings = settings;
        this.etcd = new EtcdClient(http, json, endpoint, this::rootPassword);
        this.access = new EtcdAccess(etcd);
        this.membership = new EtcdMembership(etcd);
        this.dcs = new Dcs(List.of(KubernetesBlueprint.etcdHosts(settings)), "/pgfleet/");
    }

    /** The scope's user and role exist with the database's DCS password; then, if it is time, authentication goes on. */
    void ensureScope(DesiredCluster desired) {
        run("set up the etcd user of " + desired.spec().databaseName(), () -> {
            access.ensureRoot(rootPassword());
            access.ensureScope(dcs, desired.spec().scope(), desired.secrets().dcsPassword());
        });
    }

    /** Switches authentication on when no Patroni pod of the namespace runs without its scope's credentials. */
    void enableAuthenticationWhenEveryMemberHasCredentials() {
        if (authenticationEnabled) {
            return;
        }
        run("enable etcd authentication", () -> {
            if (access.authenticationEnabled()) {
                authenticationEnabled = true;
                return;
            }
            List<String> without = client.pods().inNamespace(settings.namespace())
                    .withLabel(KubernetesNames.MANAGED_BY_LABEL, KubernetesNames.MANAGER)
                    .withLabel(KubernetesNames.COMPONENT_LABEL, KubernetesNames.POSTGRES_COMPONENT)
                    .list().getItems().stream().filter(p -> !hasCredentials(p)).map(p -> p.getMetadata().getName()).toList();
            if (!without.isEmpty()) {
                log.info("etcd authentication waits until these pods run with their scope's credentials: {}", without);
                return;
            }
            access.enableAuthentication();
            authenticationEnabled = true;
            log.info("the shared etcd now requires authentication: each database's Patroni uses its own user");
        });
    }

    /**
     * Lets members that lost their volume back in (EtcdMemberState): once the three members have formed the
     * cluster, the members ConfigMap says {@code existing}; a member pod that is not running and whose last exit
     * said it has an empty data directory gets its stale entry removed and added again (EtcdMembership), and a
     * {@code join} key, dropped again once it has started. Never fails the pass: a problem is logged and retried.
     */
    void replaceLostMembers() {
        try {
            List<EtcdMembership.Member> members = membership.listMembers();
            ConfigMap current = client.configMaps().inNamespace(settings.namespace()).withName(KubernetesNames.etcdMembersConfigMap()).get();
            boolean formed = current != null || (members.size() == KubernetesBlueprint.ETCD_MEMBERS
                    && members.stream().allMatch(EtcdMembership.Member::started));
            if (!formed) {
                return;
            }
            Set<String> joining = new TreeSet<>();
            if (current != null && current.getData() != null) {
                current.getData().forEach((k, v) -> {
                    if (EtcdMemberState.JOIN.equals(v)) {
                        joining.add(k);
                    }
                });
            }
            boolean replaced = false;
            Map<String, Pod> pods = new HashMap<>();
            for (int i = 0; i < KubernetesBlueprint.ETCD_MEMBERS; i++) {
                String podName = KubernetesNames.etcdPodName(i);
                Pod pod = client.pods().inNamespace(settings.namespace()).withName(podName).get();
                pods.put(podName, pod);
                if (pod != null && lostItsData(pod) && !joining.contains(podName)) {
                    String id = membership.replaceMember(podName, EtcdMemberState.peerUrl(i, settings));
                    log.warn("etcd member {} started with an empty data directory: its entry was removed and added again as {};"
                            + " it joins the existing cluster at its next start", podName, id);
                    joining.add(podName);
                    replaced = true;
                }
            }
            List<EtcdMembership.Member> now = replaced ? membership.listMembers() : members;
            Set<String> started = new TreeSet<>();
            now.stream().filter(EtcdMembership.Member::started).forEach(m -> started.add(m.name()));
            // Dropped only once etcd lists it as started AND the kubelet reports its container running: etcd publishes
            // a joined member a second or two before the pod's status stops showing the "empty data dir" exit, and a
            // pass in between must not take that stale status for a new loss and remove the member that just joined.
            joining.removeIf(name -> started.contains(name) && running(pods.get(name)));
            ConfigMap desired = EtcdMemberState.configMap(settings, joining);
            // Created, then patched as a whole (a key dropped must go); a conflict with another control plane is retried.
            if (current == null) {
                client.configMaps().inNamespace(settings.namespace()).resource(desired).create();
            } else if (!desired.getData().equals(current.getData())) {
                client.configMaps().inNamespace(settings.namespace()).withName(KubernetesNames.etcdMembersConfigMap())
                        .edit(cm -> new ConfigMapBuilder(cm).withData(desired.getData()).build());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not check the shared etcd's members (retried next pass): {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The etcd container is not running, and its current or last termination message is the member script's
     * "empty data dir" (a running container's last termination is history: it has joined since).
     */
    static boolean lostItsData(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return false;
        }
        return pod.getStatus().getContainerStatuses().stream().anyMatch(c -> (c.getState() == null || c.getState().getRunning() == null)
                && (says(c.getState()) || says(c.getLastState())));
    }

    static boolean running(Pod pod) {
        return pod != null && pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null
                && !pod.getStatus().getContainerStatuses().isEmpty()
                && pod.getStatus().getContainerStatuses().stream().allMatch(c -> c.getState() != null && c.getState().getRunning() != null);
    }

    private static boolean says(ContainerState state) {
        return state != null && state.getTerminated() != null && state.getTerminated().getMessage() != null
                && state.getTerminated().getMessage().contains(EtcdMemberState.EMPTY_DATA_DIR);
    }

    /** Deletes the scope's keys, then its user and role. */
    void removeScope(DesiredCluster desired) {
        run("remove the etcd keys and user of " + desired.spec().databaseName(), () -> {
            etcd.deletePrefix(dcs.scopePrefix(desired.spec().scope()));
            access.removeScope(desired.spec().scope());
        });
    }

    /**
     * A member reads its scope's etcd credentials from its patroni.yml when it mounts the blueprint's per-member
     * configuration; members of blueprint revision 2 got them as {@value #USERNAME_ENV}. Anything else predates
     * per-scope users and would lose the DCS once authentication is on.
     */
    static boolean hasCredentials(Pod pod) {
        if (pod.getSpec() == null) {
            return false;
        }
        return pod.getSpec().getContainers().stream().anyMatch(c ->
                (c.getEnv() != null && c.getEnv().stream().anyMatch(e -> USERNAME_ENV.equals(e.getName())))
                        || (c.getVolumeMounts() != null && c.getVolumeMounts().stream()
                        .anyMatch(m -> KubernetesBlueprint.PATRONI_CONFIG_MOUNT.equals(m.getMountPath()))));
    }

    /**
     * Root's password from its Secret, created with a generated one on first need. Two control planes racing here
     * both end with the Secret that was created first.
     */
    String rootPassword() {
        String known = rootPassword;
        if (known != null) {
            return known;
        }
        String name = KubernetesNames.etcdRootSecret();
        Secret secret = client.secrets().inNamespace(settings.namespace()).withName(name).get();
        if (secret == null) {
            try {
                client.secrets().inNamespace(settings.namespace()).resource(new SecretBuilder()
                        .withNewMetadata().withName(name).withNamespace(settings.namespace()).withLabels(KubernetesNames.etcdLabels())
                        .endMetadata()
                        .withType("Opaque")
                        .withStringData(Map.of(ROOT_PASSWORD_KEY, Passwords.generate()))
                        .build()).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
            secret = client.secrets().inNamespace(settings.namespace()).withName(name).get();
        }
        rootPassword = valueOf(secret);
        return rootPassword;
    }

    private static String valueOf(Secret secret) {
        if (secret == null) {
            throw new IllegalStateException("the etcd root Secret " + KubernetesNames.etcdRootSecret() + " could not be read");
        }
        if (secret.getData() != null && secret.getData().containsKey(ROOT_PASSWORD_KEY)) {
            return new String(Base64.getDecoder().decode(secret.getData().get(ROOT_PASSWORD_KEY)), StandardCharsets.UTF_8);
        }
        if (secret.getStringData() != null && secret.getStringData().containsKey(ROOT_PASSWORD_KEY)) {
            return secret.getStringData().get(ROOT_PASSWORD_KEY);
        }
        throw new IllegalStateException("the etcd root Secret " + KubernetesNames.etcdRootSecret() + " has no " + ROOT_PASSWORD_KEY);
    }

    private interface Step {
        void run() throws IOException, InterruptedException;
    }

    private static void run(String what, Step step) {
        try {
            step.run();
        } catch (IOException e) {
            throw new IllegalStateException("could not " + what + " (is the shared etcd up yet?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
