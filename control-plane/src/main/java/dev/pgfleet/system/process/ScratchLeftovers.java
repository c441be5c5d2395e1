package dev.pgfleet.system.process;

import dev.pgfleet.system.PgfleetProperties;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * At start-up, stops and removes the verification scratch instances ($PGFLEET_HOME/scratch/*) a control plane that
 * died mid-verification left behind: a scratch instance belongs to the verification that made it, and after a restart
 * none of those is running any more (an interrupted verification is started again, in a new directory).
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

    private final Path scratchRoot;

    ScratchLeftovers(PgfleetProperties properties) {
        this.scratchRoot = properties.resolvedHome().resolve(LocalHomeShutdown.SCRATCH);
    }

    @Override
    public void afterSingletonsInstantiated() {
        removeLeftoversNow();
    }

    /** I/O: signals leftover postmasters and deletes their directories. */
    void removeLeftoversNow() {
        int kept = LocalHomeShutdown.removeScratchInstances(scratchRoot, GRACE);
        if (kept > 0) {
            log.warn("{} leftover scratch instance(s) under {} could not be removed", kept, scratchRoot);
        }
    }
}
