package dev.pgfleet.operation;

/** Why an operation was not requested: another one holds the database's lock ({@link OperationConflicts}). */
public record OperationConflict(DatabaseOperation active) {
    /** The sentence for a person: what runs, since when, so they know what to wait for. */
    public String describe() {
        return "A " + active.getKind().apiName() + " of this database is " + (active.getState() == OperationState.RUNNING ? "running"
                : "waiting to run") + " (operation " + active.getId() + "); wait for it to finish.";
    }

    /** As a refusal of a request (409). */
    public dev.pgfleet.problem.Conflict refusal() {
        return new dev.pgfleet.problem.Conflict("Operation in progress", describe());
    }
}
