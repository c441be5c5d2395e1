package dev.pgfleet.provisioning.local;

import dev.pgfleet.blueprint.Plan;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns on the local etcd's authentication once every database's Patroni has its own credentials, never before: a
 * Patroni without them would lose the DCS, and a leader that cannot reach the DCS demotes itself. A fresh
 * installation passes at its first database; an installation that ran without etcd authentication passes once each
 * existing database was converged (its patroni.yml rewritten with credentials, running members reloaded) by the
 * reconciler's next passes. A reloaded member applies the file on its next loop, hence the wait after a reload.
 * Once on, authentication stays on (etcd keeps it in its data).
 */
class EtcdAuthGate {
    private static final Logger log = LoggerFactory.getLogger(EtcdAuthGate.class);
    /** Longer than any plan's loop_wait: by then a reloaded Patroni has read its new credentials. */
    static final Duration AFTER_RELOAD = Duration.ofSeconds(
            java.util.Arrays.stream(Plan.values()).mapToInt(p -> p.timing().loopWait()).max().orElse(10) + 2L);

    private final EtcdServer etcd;
    private final Supplier<List<String>> scopesThatMustHaveCredentials;
    private final Map<String, Long> credentialedAtNanos = new ConcurrentHashMap<>();

    /** @param scopesThatMustHaveCredentials every database that exists and is not being deleted (I/O: the metadata store) */
    EtcdAuthGate(EtcdServer etcd, Supplier<List<String>> scopesThatMustHaveCredentials) {
        this.etcd = etcd;
        this.scopesThatMustHaveCredentials = scopesThatMustHaveCredentials;
    }

    /** The scope's members run with (or were just told to reload) a configuration holding its etcd credentials. */
    void credentialed(String scope, boolean reloaded) {
        long now = System.nanoTime();
        credentialedAtNanos.put(scope, reloaded ? now + AFTER_RELOAD.toNanos() : now);
    }

    void forget(String scope) {
        credentialedAtNanos.remove(scope);
    }

    /** Enables authentication when no database is left without credentials; returns whether it is on. */
    boolean enableWhenEveryScopeHasCredentials() throws IOException, InterruptedException {
        if (etcd.authenticationEnabled()) {
            return true;
        }
        long now = System.nanoTime();
        List<String> waiting = scopesThatMustHaveCredentials.get().stream()
                .filter(scope -> {
                    Long at = credentialedAtNanos.get(scope);
                    return at == null || at - now > 0;
                })
                .toList();
        if (!waiting.isEmpty()) {
            log.debug("etcd authentication waits for the credentials of {} database(s): {}", waiting.size(), waiting);
            return false;
        }
        etcd.enableAuthentication();
        log.info("etcd now requires authentication: each database's Patroni uses its own user, the control plane is root");
        return true;
    }
}
