package dev.pgfleet.system.process;

import dev.pgfleet.system.PgfleetProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * At start-up, stops and removes the verification scratch instances ($PGFLEET_HOME/scratch/*) a control plane that
 * died mid-verification left behind: a scratch instance belongs to the verification that made it, and after a restart
 * none of those is running any more (an interrupted verification is failed, not retried: VerificationHandler).
 *
 * <p>Skipped, with a warning, when another live control plane owns the home: its control-plane.pid names a running
 * process other than this one whose arguments carry this home's marker ({@link LocalHomeShutdown#controlPlaneMarker});
 * its scratch instances are its running verifications. A second control plane started without that pid file
 * (or one that overwrote it) is not seen.
 *
 * <p>Runs once every bean exists and before the context starts its lifecycle beans, so before Quartz can start a
 * verification of this control plane's own.
 */
@Component
@ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "local", matchIfMissing = true)
class ScratchLeftovers implements SmartInitializingSingleton {
    private static final Logger log = LoggerFactory.getLogger(ScratchLeftovers.class);
    /** A scratch instance is throw-away: no checkpoint worth waiting long for. */
    private static final Duration GRACE = Duration.ofSeconds(10);

    private final Path home;
    private final Path scratchRoot;

    ScratchLeftovers(PgfleetProperties properties) {
        this.home = properties.resolvedHome();
        this.scratchRoot = home.resolve(LocalHomeShutdown.SCRATCH);
    }

    @Override
    public void afterSingletonsInstantiated() {
        removeLeftoversNow();
    }

    /** I/O: signals leftover postmasters and deletes their directories. */
    void removeLeftoversNow() {
        Optional<ProcessHandle> owner = otherControlPlaneOf(home);
        if (owner.isPresent()) {
            log.warn("another control plane (pid {}) runs on {}; leaving its scratch instances under {} alone",
                    owner.get().pid(), home, scratchRoot);
            return;
        }
        int kept = LocalHomeShutdown.removeScratchInstances(scratchRoot, GRACE);
        if (kept > 0) {
            log.warn("{} leftover scratch instance(s) under {} could not be removed", kept, scratchRoot);
        }
    }

    /** The live control plane recorded in {@code home}'s control-plane.pid, if it is not this process. I/O. */
    static Optional<ProcessHandle> otherControlPlaneOf(Path home) {
        return PidFileProcess.findRunning(home.resolve(LocalHomeShutdown.CONTROL_PLANE_PID),
                        LocalHomeShutdown.controlPlaneMarker(home))
                .filter(p -> p.pid() != ProcessHandle.current().pid());
    }
}
