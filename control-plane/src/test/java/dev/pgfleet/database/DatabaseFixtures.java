package dev.pgfleet.database;

import dev.pgfleet.blueprint.Plan;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Database entities for fast tests outside this package, built through the same constructor DatabaseService uses (no
 * metadata store): a new database is PENDING, created now, with placeholder encrypted secrets and its members placed.
 */
public final class DatabaseFixtures {
    private DatabaseFixtures() {
    }

    /** A new database of {@code plan} named {@code name}, its members {@code name-0 ...} on made-up ports. */
    public static Database newDatabase(String name, Plan plan) {
        Database d = new Database(UUID.randomUUID(), name, plan.id(), 15, new Database.Secrets("enc:owner",
                "SCRAM-SHA-256$4096:c2FsdA==$a:b", "enc:su", "enc:repl", "enc:rest", "enc:admin",
                "SCRAM-SHA-256$4096:c2FsdA==$c:d", "enc:monitor"));
        List<DatabaseMember> members = new ArrayList<>();
        for (int i = 0; i < plan.members(); i++) {
            members.add(new DatabaseMember(d.getId(), i, name + "-" + i, 41000 + 2 * i, 41001 + 2 * i));
        }
        d.assignPorts(40999, members);
        return d;
    }

    /** Events that are not stored but handed to {@code reasons} (normal and warning alike), for asserting on. */
    public static DatabaseEvents recordingEvents(java.util.function.Consumer<String> reasons) {
        return new DatabaseEvents(null) {
            @Override
            public void normal(UUID databaseId, String reason, String message) {
                reasons.accept(reason);
            }

            @Override
            public void warningOnce(UUID databaseId, String reason, String message) {
                reasons.accept(reason);
            }
        };
    }

    /** What DatabaseService does when a tenant deletes the database. */
    public static void requestDeletion(Database d) {
        d.requestDeletion();
    }
}
