package dev.pgfleet.testsupport.podman;

import io.fabric8.kubernetes.api.model.Container;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One container's run: restarts, readiness and liveness as the kubelet tracks them. */
final class ContainerRun {
    private static final Logger log = LoggerFactory.getLogger(ContainerRun.class);

    final Container spec;
    final String podmanName;
    final String podIp;
    private final Podman podman;
    private final ExecutorService probes;
    private final HttpClient http;
    volatile boolean running;
    volatile boolean ready;
    int restarts;
    int lastExit;
    boolean terminatedForGood;
    String message;
    String startedAtWall;
    long startedNanos;
    /** The kubelet's restart back-off: none for a first crash, then 10 s doubling to 5 min; reset after 10 min up. */
    long backoffSeconds;
    volatile boolean waitingToRestart;
    long restartAt;
    long nextReadiness;
    long nextLiveness;
    int readinessFailures;
    int livenessFailures;
    volatile boolean probing;

    ContainerRun(Container spec, String podmanName, String podIp, Podman podman, ExecutorService probes, HttpClient http) {
        this.spec = spec;
        this.podmanName = podmanName;
        this.podIp = podIp;
        this.podman = podman;
        this.probes = probes;
        this.http = http;
    }

    /** The container died: when to start it again (the kubelet's back-off). */
    void scheduleRestart(long now) {
        if (now - startedNanos > TimeUnit.MINUTES.toNanos(10)) {
            backoffSeconds = 0;
        }
        restartAt = now + TimeUnit.SECONDS.toNanos(backoffSeconds);
        backoffSeconds = backoffSeconds == 0 ? 10 : Math.min(backoffSeconds * 2, 300);
        waitingToRestart = true;
    }

    void startedAt(long nanos) {
        startedNanos = nanos;
        running = true;
        ready = spec.getReadinessProbe() == null;
        startedAtWall = Instant.now().toString();
        nextReadiness = nanos + seconds(spec.getReadinessProbe() == null ? null : spec.getReadinessProbe().getInitialDelaySeconds());
        nextLiveness = nanos + seconds(spec.getLivenessProbe() == null ? null : spec.getLivenessProbe().getInitialDelaySeconds());
        readinessFailures = 0;
        livenessFailures = 0;
    }

    /** Runs the probes that are due, off the loop (a probe may take its whole timeout). */
    void probe() {
        if (probing) {
            return;
        }
        long now = System.nanoTime();
        boolean readinessDue = spec.getReadinessProbe() != null && now >= nextReadiness;
        boolean livenessDue = spec.getLivenessProbe() != null && now >= nextLiveness;
        if (!readinessDue && !livenessDue) {
            return;
        }
        probing = true;
        probes.execute(() -> {
            try {
                if (readinessDue) {
                    Probes.Check check = Probes.readiness(spec, podIp, podmanName).orElseThrow();
                    boolean ok = passes(check, timeout(spec.getReadinessProbe().getTimeoutSeconds()));
                    readinessFailures = ok ? 0 : readinessFailures + 1;
                    if (ok) {
                        ready = true;
                    } else if (readinessFailures >= check.failureThreshold()) {
                        ready = false;
                    }
                    nextReadiness = System.nanoTime() + TimeUnit.SECONDS.toNanos(check.periodSeconds());
                }
                if (livenessDue) {
                    Probes.Check check = Probes.liveness(spec, podIp, podmanName).orElseThrow();
                    boolean ok = passes(check, timeout(spec.getLivenessProbe().getTimeoutSeconds()));
                    livenessFailures = ok ? 0 : livenessFailures + 1;
                    nextLiveness = System.nanoTime() + TimeUnit.SECONDS.toNanos(check.periodSeconds());
                    if (livenessFailures >= check.failureThreshold()) {
                        log.info("liveness probe of {} failed {} times: killing it", podmanName, livenessFailures);
                        livenessFailures = 0;
                        podman.kill(podmanName); // the loop sees it dead and restarts it
                    }
                }
            } catch (RuntimeException e) {
                log.debug("probe of {} failed", podmanName, e);
            } finally {
                probing = false;
            }
        });
    }

    private static long seconds(Integer s) {
        return TimeUnit.SECONDS.toNanos(s == null ? 0 : s);
    }

    private static Duration timeout(Integer seconds) {
        return Duration.ofSeconds(seconds == null ? 1 : seconds);
    }

    /** Whether a probe passes: HTTP 200-399, a TCP connection accepted, or an exec exiting 0, within the timeout. */
    private boolean passes(Probes.Check check, Duration timeout) {
        try {
            if (check.httpUrl() != null) {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(check.httpUrl())).timeout(timeout).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                return r.statusCode() >= 200 && r.statusCode() < 400;
            }
            if (check.tcpAddress() != null) {
                String[] hostPort = check.tcpAddress().split(":");
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), (int) timeout.toMillis());
                    return true;
                }
            }
            return podman.run(check.exec(), timeout.plusSeconds(5), false).exitCode() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
