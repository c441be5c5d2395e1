package dev.pgfleet.operation;

import java.util.Arrays;
import java.util.Optional;

/**
 * Everything pgfleet does to a database, as kinds of one {@link DatabaseOperation}. Which kinds may run together on one
 * database is {@link OperationConflicts}' table. The last three are the operations still to come (point-in-time restore,
 * resize, rolling restart): they are here so the lock rules and the history already know them.
 */
public enum OperationKind {
    BACKUP("backup"),
    VERIFICATION("verification"),
    RESTORE("restore"),
    SWITCHOVER("switchover"),
    DRILL("drill"),
    POINT_IN_TIME_RESTORE("point-in-time-restore"),
    RESIZE("resize"),
    ROLLING_RESTART("rolling-restart");

    private final String apiName;

    OperationKind(String apiName) {
        this.apiName = apiName;
    }

    /** The name in the API, the dashboard and the Quartz job group. */
    public String apiName() {
        return apiName;
    }

    public static Optional<OperationKind> fromApiName(String name) {
        return Arrays.stream(values()).filter(k -> k.apiName.equals(name)).findFirst();
    }
}
