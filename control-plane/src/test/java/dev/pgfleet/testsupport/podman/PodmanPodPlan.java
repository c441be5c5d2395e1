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
 * directory per claim), the kubelet's probes (run by the test, see {@link Probes}). Everything else the pod spec says either maps to
 * a podman option or makes {@link #plan} fail, so a spec the harness cannot honour never runs silently different.
 */
public record PodmanPodPlan(String podName, List<List<String>> commands, Map<Path, byte[]> files, List<String> initContainers,
                            List<String> containers) {

    /** What the cluster would supply: the pod's address, Secrets and ConfigMaps by name, a host directory per claim. */
    public record Cluster(String network, String podIp, String namespace, Map<String, Map<String, byte[]>> secrets,
                          Map<String, Map<String, String>> configMaps, Map<String, Path> claims, Path scratch) {
    }

    /** Plans {@code pod}; fails on anything in the spec the harness does not know how to honour. */
    public static PodmanPodPlan plan(Pod pod, Cluster cluster) {
        String name = pod.getMetadata().getName();
        var spec = pod.getSpec();
        Map<Path, byte[]> files = new TreeMap<>();
        Map<String, VolumeSource> volumes = new LinkedHashMap<>();
        for (Volume v : Optional.ofNullable(spec.getVolumes()).orElse(List.of())) {
            volumes.put(v.getName(), volumeSource(name, v, cluster, files));
        }
        List<List<String>> commands = new ArrayList<>();
        commands.add(List.of("pod", "create", "--name", name, "--hostname", name, "--network", cluster.network(),
                "--ip", cluster.podIp(), "--infra-name", name + "-infra"));
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
        return new PodmanPodPlan(name, commands, files, inits, containers);
    }

    static String containerName(String pod, Container c) {
        return pod + "-" + c.getName();
    }

    /** Where a volume lives on the host, and whether Kubernetes would mount it read-only. */
    private record VolumeSource(Path hostPath, boolean readOnly, boolean directory) {
    }

    private static VolumeSource volumeSource(String pod, Volume v, Cluster cluster, Map<Path, byte[]> files) {
        Path dir = cluster.scratch().resolve(pod).resolve("volumes").resolve(v.getName());
        if (v.getEmptyDir() != null) {
            return new VolumeSource(dir, false, true);
        }
        if (v.getSecret() != null) {
            Map<String, byte[]> data = Optional.ofNullable(cluster.secrets().get(v.getSecret().getSecretName()))
                    .orElseThrow(() -> new IllegalArgumentException("pod " + pod + " mounts Secret " + v.getSecret().getSecretName()
                            + ", which the test cluster does not have"));
            project(dir, data, v.getSecret().getItems(), files);
            return new VolumeSource(dir, true, true);
        }
        if (v.getConfigMap() != null) {
            Map<String, String> data = Optional.ofNullable(cluster.configMaps().get(v.getConfigMap().getName()))
                    .orElseThrow(() -> new IllegalArgumentException("pod " + pod + " mounts ConfigMap " + v.getConfigMap().getName()
                            + ", which the test cluster does not have"));
            Map<String, byte[]> bytes = new TreeMap<>();
            data.forEach((k, val) -> bytes.put(k, val.getBytes(StandardCharsets.UTF_8)));
            project(dir, bytes, v.getConfigMap().getItems(), files);
            return new VolumeSource(dir, true, true);
        }
        if (v.getPersistentVolumeClaim() != null) {
            Path claim = Optional.ofNullable(cluster.claims().get(v.getPersistentVolumeClaim().getClaimName()))
                    .orElseThrow(() -> new IllegalArgumentException("pod " + pod + " mounts claim "
                            + v.getPersistentVolumeClaim().getClaimName() + ", which the test cluster does not have"));
            return new VolumeSource(claim, Boolean.TRUE.equals(v.getPersistentVolumeClaim().getReadOnly()), true);
        }
        throw new IllegalArgumentException("pod " + pod + ": volume " + v.getName() + " is of a kind the podman harness does not run");
    }

    /** A Secret's or ConfigMap's keys as files, all of them or the projected items. */
    private static void project(Path dir, Map<String, byte[]> data, List<KeyToPath> items, Map<Path, byte[]> files) {
        if (items == null || items.isEmpty()) {
            data.forEach((key, value) -> files.put(dir.resolve(key), value));
            return;
        }
        for (KeyToPath item : items) {
            byte[] value = data.get(item.getKey());
            if (value == null) {
                throw new IllegalArgumentException("key " + item.getKey() + " is missing");
            }
            files.put(dir.resolve(item.getPath()), value);
        }
    }

    private static List<String> run(Pod pod, Container c, Map<String, VolumeSource> volumes, Cluster cluster, boolean detached) {
        String podName = pod.getMetadata().getName();
        List<String> argv = new ArrayList<>(List.of("run", "--pod", podName, "--name", containerName(podName, c)));
        argv.add(detached ? "--detach" : "--rm");
        PodSecurityContext podSecurity = pod.getSpec().getSecurityContext();
        SecurityContext security = c.getSecurityContext();
        user(podSecurity, security).ifPresent(u -> argv.addAll(List.of("--user", u)));
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
            Path host = m.getSubPath() == null || m.getSubPath().isEmpty() ? source.hostPath() : source.hostPath().resolve(m.getSubPath());
            boolean readOnly = source.readOnly() || Boolean.TRUE.equals(m.getReadOnly());
            argv.addAll(List.of("--volume", host + ":" + m.getMountPath() + (readOnly ? ":ro" : ":rw")));
        }
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
