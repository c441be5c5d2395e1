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
    private final Map<String, String> hostAddresses = new LinkedHashMap<>();
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
        hostAddresses.put(name, hostAddress);
    }

    /** Gives every network's bridge that exists by now its host address, once. */
    private void attachHost() {
        for (Map.Entry<String, String> n : hostAddresses.entrySet()) {
            String bridge = run(List.of("network", "inspect", "--format", "{{.NetworkInterface}}", n.getKey()), Duration.ofSeconds(30), true)
                    .output().strip();
            if (!Files.exists(Path.of("/sys/class/net", bridge))) {
                continue;
            }
            String shown = runIp(List.of("ip", "-o", "addr", "show", "dev", bridge));
            if (!shown.contains(" " + n.getValue() + " ")) {
                runIp(List.of("ip", "addr", "add", n.getValue(), "dev", bridge));
            }
        }
    }

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
            for (List<String> command : plan.commands()) {
                for (int i = 0; i + 1 < command.size(); i++) {
                    if ("--volume".equals(command.get(i))) {
                        Files.createDirectories(Path.of(command.get(i + 1).substring(0, command.get(i + 1).indexOf(':'))));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pods.add(plan.podName());
        for (List<String> command : plan.commands()) {
            run(command, Duration.ofMinutes(5), true);
        }
        attachHost();
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

    /** Removes one pod and its containers. */
    public void removePod(String pod) {
        run(List.of("pod", "rm", "--force", "--time", "10", pod), Duration.ofMinutes(1), false);
        pods.remove(pod);
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
