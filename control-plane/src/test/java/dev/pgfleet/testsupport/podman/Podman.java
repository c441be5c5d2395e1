package dev.pgfleet.testsupport.podman;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link PodmanPodPlan}s for real (I/O): podman with the runc runtime and no default ulimits (crun fails on this
 * machine's kernel, and default ulimits cannot be set here), through a containers.conf of the harness's own, on a
 * network the test creates on this machine. Everything it creates (network, pods, containers, host directories) is
 * recorded and removed by {@link #close}.
 */
public final class Podman implements AutoCloseable {
    private final Path work;
    private final Path conf;
    private final List<String> networks = new ArrayList<>();
    /** Host address (CIDR) to give each network's bridge once it exists (CNI creates it with the first container). */
    private final Map<String, List<String>> hostAddresses = new LinkedHashMap<>();
    private final List<String> pods = new ArrayList<>();

    private Podman(Path work) throws IOException {
        this.work = work;
        this.conf = work.resolve("containers.conf");
        Files.writeString(conf, "[engine]\nruntime = \"runc\"\n\n[containers]\ndefault_ulimits = []\n");
    }

    /** Whether podman can run containers here at all (tests skip with this as the reason when not). */
    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/podman")) && Files.isExecutable(Path.of("/usr/sbin/runc"));
    }

    public static Podman start(Path work) {
        try {
            Files.createDirectories(work);
            Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
            return new Podman(work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether an image exists locally. */
    public boolean hasImage(String image) {
        return run(List.of("image", "exists", image), Duration.ofSeconds(30), false).exitCode() == 0;
    }

    /**
     * An internal bridge network of the test's own: its containers have no route off this machine. podman gives an
     * internal bridge no host address, so the test (the cluster's clients, the kubelet's probes) could not reach the
     * pods; the bridge gets {@code hostAddress} (e.g. 10.89.77.1/24, in the subnet), which routes only that subnet.
     */
    public void createNetwork(String name, String subnet, String hostAddress) {
        run(List.of("network", "create", "--internal", "--subnet", subnet, name), Duration.ofSeconds(30), true);
        networks.add(name);
        hostAddresses.computeIfAbsent(name, n -> new ArrayList<>()).add(hostAddress);
    }

    /**
     * One more host address on a network's bridge (e.g. a Service's virtual address, 10.89.77.200/32): traffic from
     * the pods to it reaches the host, where the test listens. Given once the bridge exists; returns whether it is.
     */
    public synchronized boolean addHostAddress(String network, String address) {
        List<String> addresses = hostAddresses.computeIfAbsent(network, n -> new ArrayList<>());
        if (!addresses.contains(address)) {
            addresses.add(address);
        }
        return attachHost();
    }

    /** Gives every network's bridge that exists by now its host addresses, once; whether every bridge exists. */
    private synchronized boolean attachHost() {
        boolean all = true;
        for (Map.Entry<String, List<String>> n : hostAddresses.entrySet()) {
            String bridge = run(List.of("network", "inspect", "--format", "{{.NetworkInterface}}", n.getKey()), Duration.ofSeconds(30), true)
                    .output().strip();
            if (!Files.exists(Path.of("/sys/class/net", bridge))) {
                all = false;
                continue;
            }
            String shown = runIp(List.of("ip", "-o", "addr", "show", "dev", bridge));
            for (String address : n.getValue()) {
                String shownForm = address.contains("/") ? address : address + "/32";
                if (!shown.contains(" " + shownForm + " ")) {
                    runIp(List.of("ip", "addr", "add", shownForm, "dev", bridge));
                }
            }
        }
        return all;
    }

    /** Runs a host command (ip, chmod, chgrp) with an argument list; fails on a non-zero exit. */
    private static String runIp(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", argv) + " failed: " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Writes the plan's files, creates its host directories, then creates the pod and runs its containers in order. */
    public void startPod(PodmanPodPlan plan) {
        try {
            for (Map.Entry<Path, byte[]> f : plan.files().entrySet()) {
                Files.createDirectories(f.getKey().getParent());
                Files.write(f.getKey(), f.getValue());
            }
            for (Map.Entry<Path, PodmanPodPlan.Access> a : plan.access().entrySet()) {
                if (a.getValue().directory()) {
                    Files.createDirectories(a.getKey());
                } else if (!Files.exists(a.getKey())) {
                    Files.createDirectories(a.getKey().getParent());
                    Files.createFile(a.getKey());
                }
            }
            for (List<String> command : plan.commands()) {
                for (int i = 0; i + 1 < command.size(); i++) {
                    if ("--volume".equals(command.get(i))) {
                        Path source = Path.of(command.get(i + 1).substring(0, command.get(i + 1).indexOf(':')));
                        if (!Files.exists(source)) {
                            Files.createDirectories(source);
                        }
                    }
                }
            }
            for (Map.Entry<Path, PodmanPodPlan.Access> a : plan.access().entrySet()) {
                applyAccess(a.getKey(), a.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (this) {
            pods.add(plan.podName());
        }
        for (List<String> command : plan.commands()) {
            run(command, Duration.ofMinutes(5), true);
        }
        attachHost();
    }

    /**
     * Brings a running pod's Secret and ConfigMap files from what {@code before} planned to what {@code now} plans, as
     * the kubelet refreshes them: changed and new files written (with their mode and group), removed ones deleted.
     * Each file is replaced by a rename, as the kubelet swaps a volume's files atomically: a process reading it (a
     * reload of a renewed certificate and key) sees the old file or the new one, never half of one; and, as on
     * Kubernetes, a mount of the file itself (subPath) keeps the old one while a mounted directory shows the new one.
     */
    public void refreshFiles(PodmanPodPlan before, PodmanPodPlan now) {
        try {
            for (Map.Entry<Path, byte[]> f : now.files().entrySet()) {
                byte[] old = before.files().get(f.getKey());
                if (old == null || !java.util.Arrays.equals(old, f.getValue())) {
                    Files.createDirectories(f.getKey().getParent());
                    Path next = f.getKey().resolveSibling(".." + f.getKey().getFileName() + ".refresh");
                    Files.write(next, f.getValue());
                    PodmanPodPlan.Access access = now.access().get(f.getKey());
                    if (access != null) {
                        applyAccess(next, access);
                    }
                    Files.move(next, f.getKey(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            }
            for (Path gone : before.files().keySet()) {
                if (!now.files().containsKey(gone)) {
                    Files.deleteIfExists(gone);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kubelet's mode and group on a volume path (chmod after chown: chown clears the setgid bit). */
    private static void applyAccess(Path path, PodmanPodPlan.Access access) {
        if (access.group() != null) {
            runIp(List.of("chgrp", Long.toString(access.group()), path.toString()));
        }
        runIp(List.of("chmod", Integer.toOctalString(access.mode()), path.toString()));
    }

    /** SIGKILL to every process of a container, as a crash would (the container itself stays, stopped). */
    public void kill(String container) {
        run(List.of("kill", "--signal", "KILL", container), Duration.ofSeconds(30), true);
    }

    /** Runs a command inside a running container; returns its output. */
    public Result exec(String container, List<String> argv, Duration timeout) {
        List<String> all = new ArrayList<>(List.of("exec", container));
        all.addAll(argv);
        return run(all, timeout, false);
    }

    public String logs(String container) {
        return run(List.of("logs", container), Duration.ofSeconds(30), false).output();
    }

    /** Starts a stopped container again (the kubelet restarting a container of a pod with restartPolicy Always). */
    public void start(String container) {
        run(List.of("start", container), Duration.ofMinutes(1), true);
    }

    /** One container as podman reports it. */
    public record ContainerState(String name, String pod, boolean running, int exitCode, String startedAt) {
    }

    /** Every container podman has (one call, for the whole cluster's status), by name. */
    public Map<String, ContainerState> containerStates() {
        String out = run(List.of("ps", "--all", "--format", "json"), Duration.ofSeconds(30), true).output();
        Map<String, ContainerState> states = new LinkedHashMap<>();
        try {
            for (com.fasterxml.jackson.databind.JsonNode c : new com.fasterxml.jackson.databind.ObjectMapper().readTree(out)) {
                String name = c.path("Names").path(0).asText();
                states.put(name, new ContainerState(name, c.path("PodName").asText(""), "running".equals(c.path("State").asText()),
                        c.path("ExitCode").asInt(), c.path("StartedAt").asText("")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("podman ps: " + out, e);
        }
        return states;
    }

    /** Removes one pod and its containers. */
    public void removePod(String pod) {
        removePod(pod, Duration.ofSeconds(10));
    }

    /** Removes one pod: SIGTERM to its containers, SIGKILL after {@code grace} (the pod's terminationGracePeriodSeconds). */
    public void removePod(String pod, Duration grace) {
        run(List.of("pod", "rm", "--force", "--time", Long.toString(grace.toSeconds()), pod), grace.plusMinutes(1), false);
        synchronized (this) {
            pods.remove(pod);
        }
    }

    @Override
    public void close() {
        for (String pod : List.copyOf(pods)) {
            removePod(pod);
        }
        for (String network : networks) {
            run(List.of("network", "rm", "--force", network), Duration.ofSeconds(30), false);
        }
    }

    /** A podman command's exit code and combined output. */
    public record Result(int exitCode, String output) {
    }

    /** Runs podman with an argument list and the harness's own containers.conf; {@code check}: fail on non-zero exit. */
    public Result run(List<String> args, Duration timeout, boolean check) {
        List<String> argv = new ArrayList<>(List.of("podman"));
        argv.addAll(args);
        try {
            Path out = Files.createTempFile(work, "podman-", ".out");
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile());
            Map<String, String> env = new LinkedHashMap<>();
            env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            env.put("HOME", work.toString());
            env.put("CONTAINERS_CONF", conf.toString());
            pb.environment().clear();
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("podman " + String.join(" ", args) + " did not finish within " + timeout);
            }
            Result r = new Result(p.exitValue(), Files.readString(out));
            Files.deleteIfExists(out);
            if (check && r.exitCode() != 0) {
                throw new IllegalStateException("podman " + String.join(" ", args) + " failed (" + r.exitCode() + "): " + r.output().strip());
            }
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
