package dev.pgfleet.operation;

/**
 * The one lifecycle: REQUESTED → RUNNING → SUCCEEDED or FAILED. A RUNNING operation that will be tried again (a backup
 * whose dump failed, one waiting for its tenant's turn) goes back to REQUESTED with the reason. REQUESTED and RUNNING
 * hold the database's lock ({@link OperationConflicts}); the two final states never change again.
 */
public enum OperationState {
    REQUESTED, RUNNING, SUCCEEDED, FAILED;

    public boolean isActive() {
        return this == REQUESTED || this == RUNNING;
    }

    public boolean canMoveTo(OperationState next) {
        return switch (this) {
            case REQUESTED -> next == RUNNING || next == FAILED;
            case RUNNING -> next == SUCCEEDED || next == FAILED || next == REQUESTED;
            case SUCCEEDED, FAILED -> false;
        };
    }
}
