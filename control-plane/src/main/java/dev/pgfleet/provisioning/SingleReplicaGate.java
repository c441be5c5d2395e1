package dev.pgfleet.provisioning;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/** The local runtime has one control plane per machine (its home holds the pid files): it always reconciles. */
@Component
@ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "local", matchIfMissing = true)
class SingleReplicaGate implements ReconcileGate {
    @Override
    public boolean mayReconcile() {
        return true;
    }
}
