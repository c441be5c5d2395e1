package dev.pgfleet.provisioning;

/**
 * Whether this control-plane replica may reconcile now. With several replicas only the elected leader applies,
 * so two replicas never converge the same database at once.
 */
public interface ReconcileGate {
    boolean mayReconcile();
}
