package dev.pgfleet.operation;

import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * This control-plane process, as the owner of the operations it runs: a fresh id per start, so a restarted process never
 * mistakes a dead run for its own.
 */
@Component
class OperationOwner {
    private final String id = hostName() + "/" + UUID.randomUUID();

    String id() {
        return id;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown-host";
        }
    }
}
