package dev.pgfleet.provisioning;

import java.util.UUID;

/**
 * Whether a database has a drill or a switchover under way (I/O: the drills' ledger). A runtime that disrupts members
 * on its own (the Kubernetes rollout deletes pods and switches over) waits while one runs: two operations that each
 * take a member down or move the leader, at once, could take down the member the other is failing over to, or
 * resume poolers the other paused. Until the single operations model (issue 14) gives every operation one lock, this
 * is the rollout's side of that rule; drills already start only when every member is healthy.
 */
public interface DisruptiveOperations {
    boolean inProgress(UUID databaseId);
}
