package dev.pgfleet.testsupport.podman;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * How one Kubernetes pod, exactly as a blueprint renders it, runs under podman: a podman pod (one network namespace,
 * like a Kubernetes pod) on a test network with a fixed address and the pod's name as host name, then its init
 * containers in order and its containers, each with the pod spec's command, arguments, environment, volume mounts,
 * user and hardening. Pure: it only plans; {@link #commands()} are argument lists for podman, and {@link #files()}
 * are the files the volumes need (Secret and ConfigMap keys), keyed by their path on the host.
 *
 * <p>What Kubernetes supplies and podman has no equivalent for is substituted, and only that: the API server's view
 * (Secrets and ConfigMaps given to {@link #plan} as maps), the downward API ({@code metadata.name},
 * {@code metadata.namespace}, {@code status.podIP} from the plan's own values), PersistentVolumeClaims (a host
 * directory per claim), the cluster DNS (a hosts file mounted as /etc/hosts, when the cluster gives one), the
 * kubelet's probes (run by the test, see {@link Probes}) and its file modes and ownership ({@link #access()}: Secret
 * and ConfigMap files with their defaultMode and the fsGroup, emptyDirs 0777, claims group-owned by the fsGroup), and
 * its termination message file. Volumes: emptyDir (a memory one as a tmpfs), Secret, ConfigMap, projected Secrets and
 * ConfigMaps, claims. Everything else the pod spec says either maps to a podman option or makes {@link #plan} fail,
 * so a spec the harness cannot honour never runs silently different. Resource limits are cgroup limits as the
 * kubelet sets them ({@link #resources}); memory requests and ephemeral storage are not enforced.
 */
public record PodmanPodPlan(String podName, List<List<String>> commands, Map<Path, byte[]> files, List<String> initContainers,
                            List<String> containers, Map<Path, Access> access) {

    /**
     * What the cluster would supply: the pod's address, Secrets and ConfigMaps by name, a host directory per claim, and
     * the cluster DNS as a hosts file (null: podman's own /etc/hosts) that every container of the pod reads live.
     */
    public record Cluster(String network, String podIp, String namespace, Map<String, Map<String, byte[]>> secrets,
                          Map<String, Map<String, String>> configMaps, Map<String, Path> claims, Path scratch, Path hostsFile) {
        public Cluster(String network, String podIp, String namespace, Map<String, Map<String, byte[]>> secrets,
                       Map<String, Map<String, String>> configMaps, Map<String, Path> claims, Path scratch) {
            this(network, podIp, namespace, secrets, configMaps, claims, scratch, null);
        }
    }

    /**
     * The mode and group the kubelet gives a volume's host path: Secret and ConfigMap files {@code defaultMode} (0644
     * if unset) and, with an fsGroup, that group; emptyDirs 0777; claims the fsGroup with setgid (02775), as the
     * kubelet's ownership change leaves them. {@code group} null: left as created.
     */
    public record Access(boolean directory, int mode, Long group) {
    }

    /** Where each container's termination message file lives on the host (mounted at its terminationMessagePath). */
    public static Path terminationMessageFile(Path scratch, String pod, String container) {
        return scratch.resolve(pod).resolve("termination").resolve(container);
    }

    /** Plans {@code pod}; fails on anything in the spec the harness does not know how to honour. */
    public static PodmanPodPlan plan(Pod pod, Cluster cluster) {
        String name = pod.getMetadata().getName();
        var spec = pod.getSpec();
        Map<Path, byte[]> files = new TreeMap<>();
        Map<Path, Access> access = new TreeMap<>();
        Long fsGroup = spec.getSecurityContext() == null ? null : spec.getSecurityContext().getFsGroup();
        Map<String, VolumeSource> volumes = new LinkedHashMap<>();
        for (Volume v : Optional.ofNullable(spec.getVolumes()).orElse(List.of())) {
            volumes.put(v.getName(), volumeSource(name, v, cluster, files, access, fsGroup));
        }
        List<List<String>> commands = new ArrayList<>();
        List<String> podCreate = new ArrayList<>(List.of("pod", "create", "--name", name, "--hostname", name, "--network", cluster.network(),
                "--ip", cluster.podIp(), "--infra-name", name + "-infra"));
        if (cluster.hostsFile() != null) {
            // The cluster DNS: no /etc/hosts of podman's; each container mounts the test's hosts file instead.
            podCreate.add("--no-hosts");
        }
        commands.add(List.copyOf(podCreate));
        List<Container> all = new ArrayList<>(Optional.ofNullable(spec.getInitContainers()).orElse(List.of()));
        all.addAll(spec.getContainers());
        for (Container c : all) {
            access.put(terminationMessageFile(cluster.scratch(), name, c.getName()), new Access(false, 0666, null));
        }
        List<String> inits = new ArrayList<>();
        for (Container c : Optional.ofNullable(spec.getInitContainers()).orElse(List.of())) {
            commands.add(run(pod, c, volumes, cluster, false));
            inits.add(containerName(name, c));
        }
        List<String> containers = new ArrayList<>();
        for (Container c : spec.getContainers()) {
            commands.add(run(pod, c, volumes, cluster, true));
            containers.add(containerName(name, c));
        }
        return new PodmanPodPlan(name, commands, files, inits, containers, access);
    }

    static String containerName(String pod, Container c) {
        return pod + "-" + c.getName();
    }

    /** Where a volume lives on the host, and whether Kubernetes would mount it read-only. */
    /** Where a volume lives on the host, and whether Kubernetes would mount it read-only; tmpfs: a memory-backed emptyDir. */
    private record VolumeSource(Path hostPath, boolean readOnly, boolean directory, String tmpfs) {
        VolumeSource(Path hostPath, boolean readOnly, boolean directory) {
            this(hostPath, readOnly, directory, null);
        }
    }

    private static VolumeSource volumeSource(String pod, Volume v, Cluster cluster, Map<Path, byte[]> files, Map<Path, Access> access,
                                             Long fsGroup) {
        Path dir = cluster.scratch().resolve(pod).resolve("volumes").resolve(v.getName());
        if (v.getEmptyDir() != null) {
            if ("Memory".equals(v.getEmptyDir().getMedium())) {
                // A tmpfs per container: right for one container (all these pods have one), refused for more (see run).
                String size = v.getEmptyDir().getSizeLimit() == null ? ""
                        : ",size=" + io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(v.getEmptyDir().getSizeLimit()).longValue();
                return new VolumeSource(null, false, true, "rw,mode=1777" + size);
            }
            if (v.getEmptyDir().getMedium() != null && !v.getEmptyDir().getMedium().isEmpty()) {
                throw new IllegalArgumentException("pod " + pod + ": emptyDir medium " + v.getEmptyDir().getMedium() + " is not run by the harness");
            }
            access.put(dir, new Access(true, 0777, null));
            return new VolumeSource(dir, false, true);
        }
        if (v.getSecret() != null) {
            Map<String, byte[]> data = cluster.secrets().get(v.getSecret().getSecretName());
            if (data == null && !Boolean.TRUE.equals(v.getSecret().getOptional())) {
                throw new IllegalArgumentException("pod " + pod + " mounts Secret " + v.getSecret().getSecretName()
                        + ", which the test cluster does not have");
            }
            // An optional one that does not exist (yet) is an empty directory, as the kubelet mounts it.
            access.put(dir, new Access(true, 0755, null));
            project(dir, data == null ? Map.of() : data, data == null ? null : v.getSecret().getItems(), files, access,
                    v.getSecret().getDefaultMode(), fsGroup);
            return new VolumeSource(dir, true, true);
        }
        if (v.getConfigMap() != null) {
            Map<String, String> data = cluster.configMaps().get(v.getConfigMap().getName());
            if (data == null && !Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
                throw new IllegalArgumentException("pod " + pod + " mounts ConfigMap " + v.getConfigMap().getName()
                        + ", which the test cluster does not have");
            }
            access.put(dir, new Access(true, 0755, null));
            project(dir, bytes(data == null ? Map.of() : data), data == null ? null : v.getConfigMap().getItems(), files, access,
                    v.getConfigMap().getDefaultMode(), fsGroup);
            return new VolumeSource(dir, true, true);
        }
        if (v.getProjected() != null) {
            for (var source : Optional.ofNullable(v.getProjected().getSources()).orElse(List.of())) {
                if (source.getSecret() != null) {
                    Map<String, byte[]> data = Optional.ofNullable(cluster.secrets().get(source.getSecret().getName()))
                            .orElseThrow(() -> new IllegalArgumentException("pod " + pod + " projects Secret " + source.getSecret().getName()
                                    + ", which the test cluster does not have"));
                    project(dir, data, source.getSecret().getItems(), files, access, v.getProjected().getDefaultMode(), fsGroup);
                } else if (source.getConfigMap() != null) {
                    Map<String, String> data = Optional.ofNullable(cluster.configMaps().get(source.getConfigMap().getName()))
                            .orElseThrow(() -> new IllegalArgumentException("pod " + pod + " projects ConfigMap "
                                    + source.getConfigMap().getName() + ", which the test cluster does not have"));
                    project(dir, bytes(data), source.getConfigMap().getItems(), files, access, v.getProjected().getDefaultMode(), fsGroup);
                } else {
                    throw new IllegalArgumentException("pod " + pod + ": projected volume " + v.getName()
                            + " has a kind of source the podman harness does not run");
                }
            }
            return new VolumeSource(dir, true, true);
        }
        if (v.getPersistentVolumeClaim() != null) {
            Path claim = Optional.ofNullable(cluster.claims().get(v.getPersistentVolumeClaim().getClaimName()))
                    .orElseThrow(() -> new IllegalArgumentException("pod " + pod + " mounts claim "
                            + v.getPersistentVolumeClaim().getClaimName() + ", which the test cluster does not have"));
            if (fsGroup != null) {
                access.put(claim, new Access(true, 02775, fsGroup));
            }
            return new VolumeSource(claim, Boolean.TRUE.equals(v.getPersistentVolumeClaim().getReadOnly()), true);
        }
        throw new IllegalArgumentException("pod " + pod + ": volume " + v.getName() + " is of a kind the podman harness does not run");
    }

    private static Map<String, byte[]> bytes(Map<String, String> data) {
        Map<String, byte[]> bytes = new TreeMap<>();
        data.forEach((k, val) -> bytes.put(k, val.getBytes(StandardCharsets.UTF_8)));
        return bytes;
    }

    /** A Secret's or ConfigMap's keys as files, all of them or the projected items, with the kubelet's mode and group. */
    private static void project(Path dir, Map<String, byte[]> data, List<KeyToPath> items, Map<Path, byte[]> files,
                                Map<Path, Access> access, Integer defaultMode, Long fsGroup) {
        int mode = defaultMode == null ? 0644 : defaultMode;
        if (items == null || items.isEmpty()) {
            data.forEach((key, value) -> {
                files.put(dir.resolve(key), value);
                access.put(dir.resolve(key), new Access(false, mode, fsGroup));
            });
            return;
        }
        for (KeyToPath item : items) {
            byte[] value = data.get(item.getKey());
            if (value == null) {
                throw new IllegalArgumentException("key " + item.getKey() + " is missing");
            }
            files.put(dir.resolve(item.getPath()), value);
            access.put(dir.resolve(item.getPath()), new Access(false, item.getMode() == null ? mode : item.getMode(), fsGroup));
        }
    }

    private static List<String> run(Pod pod, Container c, Map<String, VolumeSource> volumes, Cluster cluster, boolean detached) {
        String podName = pod.getMetadata().getName();
        List<String> argv = new ArrayList<>(List.of("run", "--pod", podName, "--name", containerName(podName, c)));
        argv.add(detached ? "--detach" : "--rm");
        PodSecurityContext podSecurity = pod.getSpec().getSecurityContext();
        SecurityContext security = c.getSecurityContext();
        user(podSecurity, security).ifPresent(u -> argv.addAll(List.of("--user", u)));
        if (podSecurity != null && podSecurity.getFsGroup() != null) {
            argv.addAll(List.of("--group-add", Long.toString(podSecurity.getFsGroup())));
        }
        if (podSecurity != null && podSecurity.getSupplementalGroups() != null) {
            podSecurity.getSupplementalGroups().forEach(g -> argv.addAll(List.of("--group-add", Long.toString(g))));
        }
        if (Boolean.TRUE.equals(podSecurity == null ? null : podSecurity.getRunAsNonRoot())
                || Boolean.TRUE.equals(security == null ? null : security.getRunAsNonRoot())) {
            if (user(podSecurity, security).map(u -> u.startsWith("0:") || u.equals("0")).orElse(true)) {
                throw new IllegalArgumentException(c.getName() + " must run as non-root but names no non-zero runAsUser;"
                        + " the harness cannot check the image's user");
            }
        }
        if (security != null) {
            if (Boolean.TRUE.equals(security.getReadOnlyRootFilesystem())) {
                argv.add("--read-only");
            }
            if (Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())) {
                argv.addAll(List.of("--security-opt", "no-new-privileges"));
            }
            if (security.getCapabilities() != null) {
                for (String drop : Optional.ofNullable(security.getCapabilities().getDrop()).orElse(List.of())) {
                    argv.addAll(List.of("--cap-drop", drop.toLowerCase()));
                }
                for (String add : Optional.ofNullable(security.getCapabilities().getAdd()).orElse(List.of())) {
                    argv.addAll(List.of("--cap-add", add.toLowerCase()));
                }
            }
            if (Boolean.TRUE.equals(security.getPrivileged())) {
                throw new IllegalArgumentException(c.getName() + " asks to be privileged; the harness does not run that");
            }
        }
        seccomp(podSecurity, security, c);
        if (c.getStartupProbe() != null) {
            throw new IllegalArgumentException(c.getName() + " has a startupProbe; the harness does not run that");
        }
        if (c.getLifecycle() != null) {
            throw new IllegalArgumentException(c.getName() + " has lifecycle hooks; the harness does not run them");
        }
        argv.addAll(resources(c));
        for (EnvVar e : Optional.ofNullable(c.getEnv()).orElse(List.of())) {
            argv.addAll(List.of("--env", e.getName() + "=" + envValue(pod, e, cluster)));
        }
        if (c.getEnvFrom() != null && !c.getEnvFrom().isEmpty()) {
            throw new IllegalArgumentException(c.getName() + " uses envFrom; the harness does not run that");
        }
        for (VolumeMount m : Optional.ofNullable(c.getVolumeMounts()).orElse(List.of())) {
            VolumeSource source = volumes.get(m.getName());
            if (source == null) {
                throw new IllegalArgumentException(c.getName() + " mounts unknown volume " + m.getName());
            }
            if (source.tmpfs() != null) {
                long users = pod.getSpec().getContainers().stream().filter(o -> Optional.ofNullable(o.getVolumeMounts()).orElse(List.of())
                        .stream().anyMatch(om -> om.getName().equals(m.getName()))).count();
                if (users > 1 || (m.getSubPath() != null && !m.getSubPath().isEmpty())) {
                    throw new IllegalArgumentException(c.getName() + ": a memory emptyDir shared or by subPath is not run by the harness");
                }
                argv.addAll(List.of("--tmpfs", m.getMountPath() + ":" + source.tmpfs()));
                continue;
            }
            Path host = m.getSubPath() == null || m.getSubPath().isEmpty() ? source.hostPath() : source.hostPath().resolve(m.getSubPath());
            boolean readOnly = source.readOnly() || Boolean.TRUE.equals(m.getReadOnly());
            argv.addAll(List.of("--volume", host + ":" + m.getMountPath() + (readOnly ? ":ro" : ":rw")));
        }
        if (cluster.hostsFile() != null) {
            argv.addAll(List.of("--volume", cluster.hostsFile() + ":/etc/hosts:ro"));
        }
        // The kubelet's termination message file (what a Job's container reports through its status).
        argv.addAll(List.of("--volume", terminationMessageFile(cluster.scratch(), podName, c.getName()) + ":"
                + Optional.ofNullable(c.getTerminationMessagePath()).orElse("/dev/termination-log") + ":rw"));
        if (c.getWorkingDir() != null) {
            argv.addAll(List.of("--workdir", c.getWorkingDir()));
        }
        for (ContainerPort p : Optional.ofNullable(c.getPorts()).orElse(List.of())) {
            // Ports are not published: clients reach the pod's address on the test network, as in a cluster.
            argv.addAll(List.of("--label", "pgfleet.test/port-" + p.getContainerPort() + "=" + Optional.ofNullable(p.getName()).orElse("")));
        }
        List<String> command = Optional.ofNullable(c.getCommand()).orElse(List.of());
        if (!command.isEmpty()) {
            argv.addAll(List.of("--entrypoint", toJsonArray(command)));
        }
        argv.add(c.getImage());
        argv.addAll(Optional.ofNullable(c.getArgs()).orElse(List.of()).stream().map(a -> expand(a, pod, c, cluster)).toList());
        return List.copyOf(argv);
    }

    /** RuntimeDefault (or none) is podman's default profile; anything else is refused. */
    private static void seccomp(PodSecurityContext pod, SecurityContext container, Container c) {
        var profile = container != null && container.getSeccompProfile() != null ? container.getSeccompProfile()
                : pod != null ? pod.getSeccompProfile() : null;
        if (profile != null && !"RuntimeDefault".equals(profile.getType())) {
            throw new IllegalArgumentException(c.getName() + ": seccomp profile " + profile.getType() + " is not run by the harness");
        }
    }

    /**
     * The kubelet's cgroup settings: the memory limit, the CPU limit as a quota, the CPU request as shares (1024 per
     * CPU, at least 2). Memory requests and ephemeral storage only steer the scheduler and eviction: not enforced here.
     */
    static List<String> resources(Container c) {
        List<String> argv = new ArrayList<>();
        if (c.getResources() == null) {
            return argv;
        }
        Map<String, io.fabric8.kubernetes.api.model.Quantity> limits = Optional.ofNullable(c.getResources().getLimits()).orElse(Map.of());
        Map<String, io.fabric8.kubernetes.api.model.Quantity> requests = Optional.ofNullable(c.getResources().getRequests()).orElse(Map.of());
        if (limits.containsKey("memory")) {
            argv.addAll(List.of("--memory", io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(limits.get("memory"))
                    .toBigInteger().toString()));
        }
        if (limits.containsKey("cpu")) {
            argv.addAll(List.of("--cpus", io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(limits.get("cpu"))
                    .stripTrailingZeros().toPlainString()));
        }
        if (requests.containsKey("cpu")) {
            long shares = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(requests.get("cpu"))
                    .multiply(java.math.BigDecimal.valueOf(1024)).longValue();
            argv.addAll(List.of("--cpu-shares", Long.toString(Math.max(2, shares))));
        }
        return argv;
    }

    private static Optional<String> user(PodSecurityContext pod, SecurityContext container) {
        Long uid = container != null && container.getRunAsUser() != null ? container.getRunAsUser()
                : pod != null ? pod.getRunAsUser() : null;
        Long gid = container != null && container.getRunAsGroup() != null ? container.getRunAsGroup()
                : pod != null ? pod.getRunAsGroup() : null;
        if (uid == null) {
            return Optional.empty();
        }
        return Optional.of(uid + (gid == null ? "" : ":" + gid));
    }

    /** A variable's value: literal (with $(VAR) expanded like the kubelet), from a Secret or ConfigMap key, or the downward API. */
    static String envValue(Pod pod, EnvVar e, Cluster cluster) {
        if (e.getValueFrom() == null) {
            return e.getValue() == null ? "" : e.getValue();
        }
        var from = e.getValueFrom();
        if (from.getSecretKeyRef() != null) {
            byte[] v = Optional.ofNullable(cluster.secrets().get(from.getSecretKeyRef().getName()))
                    .map(d -> d.get(from.getSecretKeyRef().getKey()))
                    .orElseThrow(() -> new IllegalArgumentException(e.getName() + ": no key " + from.getSecretKeyRef().getKey()
                            + " in Secret " + from.getSecretKeyRef().getName()));
            return new String(v, StandardCharsets.UTF_8);
        }
        if (from.getConfigMapKeyRef() != null) {
            return Optional.ofNullable(cluster.configMaps().get(from.getConfigMapKeyRef().getName()))
                    .map(d -> d.get(from.getConfigMapKeyRef().getKey()))
                    .orElseThrow(() -> new IllegalArgumentException(e.getName() + ": no key " + from.getConfigMapKeyRef().getKey()));
        }
        if (from.getFieldRef() != null) {
            return switch (from.getFieldRef().getFieldPath()) {
                case "metadata.name" -> pod.getMetadata().getName();
                case "metadata.namespace" -> cluster.namespace();
                case "status.podIP" -> cluster.podIp();
                default -> throw new IllegalArgumentException(e.getName() + ": field " + from.getFieldRef().getFieldPath()
                        + " is not supplied by the harness");
            };
        }
        throw new IllegalArgumentException(e.getName() + ": a kind of valueFrom the harness does not supply");
    }

    /** The kubelet's $(VAR) expansion in arguments, from the container's own literal variables. */
    private static String expand(String arg, Pod pod, Container c, Cluster cluster) {
        String out = arg;
        for (EnvVar e : Optional.ofNullable(c.getEnv()).orElse(List.of())) {
            out = out.replace("$(" + e.getName() + ")", envValue(pod, e, cluster));
        }
        return out;
    }

    private static String toJsonArray(List<String> values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append('"').append(values.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return sb.append(']').toString();
    }

    /** Secret data as Kubernetes stores it (base64 in {@code data}), decoded for {@link Cluster#secrets()}. */
    public static Map<String, byte[]> decode(Map<String, String> base64Data) {
        Map<String, byte[]> out = new TreeMap<>();
        base64Data.forEach((k, v) -> out.put(k, Base64.getDecoder().decode(v)));
        return out;
    }
}
