package dev.pgfleet.testsupport.podman;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The kubelet's part the harness plays: a container's readiness or liveness probe as a check to run from the test
 * against the pod's address (HTTP GET, TCP connect) or inside the container ({@code podman exec}). Pure.
 */
public final class Probes {
    private Probes() {
    }

    /** One probe, ready to run: exactly one of {@code exec}, {@code httpUrl}, {@code tcpAddress} is set. */
    public record Check(List<String> exec, String httpUrl, String tcpAddress, int periodSeconds, int failureThreshold) {
    }

    public static Optional<Check> readiness(Container c, String podIp, String containerName) {
        return Optional.ofNullable(c.getReadinessProbe()).map(p -> check(p, c, podIp, containerName));
    }

    public static Optional<Check> liveness(Container c, String podIp, String containerName) {
        return Optional.ofNullable(c.getLivenessProbe()).map(p -> check(p, c, podIp, containerName));
    }

    static Check check(Probe p, Container c, String podIp, String containerName) {
        int period = Optional.ofNullable(p.getPeriodSeconds()).orElse(10);
        int failures = Optional.ofNullable(p.getFailureThreshold()).orElse(3);
        if (p.getExec() != null) {
            List<String> argv = new ArrayList<>(List.of("exec", containerName));
            argv.addAll(p.getExec().getCommand());
            return new Check(List.copyOf(argv), null, null, period, failures);
        }
        if (p.getHttpGet() != null) {
            String scheme = Optional.ofNullable(p.getHttpGet().getScheme()).orElse("HTTP").toLowerCase();
            int port = port(p.getHttpGet().getPort(), c);
            String path = Optional.ofNullable(p.getHttpGet().getPath()).orElse("/");
            return new Check(null, scheme + "://" + podIp + ":" + port + path, null, period, failures);
        }
        if (p.getTcpSocket() != null) {
            return new Check(null, null, podIp + ":" + port(p.getTcpSocket().getPort(), c), period, failures);
        }
        throw new IllegalArgumentException(c.getName() + ": a kind of probe the harness does not run");
    }

    /** A probe's port: a number, or the name of one of the container's ports. */
    static int port(IntOrString port, Container c) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return Optional.ofNullable(c.getPorts()).orElse(List.of()).stream()
                .filter(p -> port.getStrVal().equals(p.getName())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(c.getName() + ": no port named " + port.getStrVal()))
                .getContainerPort();
    }
}
