package dev.pgfleet.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.Names;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseMember;
import dev.pgfleet.database.RuntimeInfo;
import dev.pgfleet.provisioning.DesiredClusters;
import dev.pgfleet.provisioning.DatabaseSessions;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.system.process.PostgresInstallations;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Takes one backup's dump (I/O): pg_dump from the given member — custom format, or directory format with parallel jobs
 * for a database above pgfleet.backup.directory-format-above; in the same exported snapshot it records each table's row
 * count, the indexes and the extensions, which is what the verification later checks the restored copy against. Also
 * applies a policy's retention. When and how often is {@link BackupHandler}'s business.
 */
@Component
class BackupRunner {
    private static final Logger log = LoggerFactory.getLogger(BackupRunner.class);

    private final BackupLedger ledger;
    private final DesiredClusters desiredClusters;
    private final RuntimeInfo runtime;
    private final PostgresInstallations installations;
    private final LocalProcesses processes;
    private final BackupStore store;
    private final DatabaseEvents events;
    private final ObjectMapper json;
    private final BackupProperties settings;

    BackupRunner(BackupLedger ledger, DesiredClusters desiredClusters, RuntimeInfo runtime, PostgresInstallations installations,
                 LocalProcesses processes, BackupStore store, DatabaseEvents events, ObjectMapper json, BackupProperties settings) {
        this.ledger = ledger;
        this.desiredClusters = desiredClusters;
        this.runtime = runtime;
        this.installations = installations;
        this.processes = processes;
        this.store = store;
        this.events = events;
        this.json = json;
        this.settings = settings;
    }

    /**
     * Dumps the database from {@code source} into the store and records the file on the backup, its operation SUCCEEDED
     * (one transaction). Throws when the dump failed; then no partial file is left.
     */
    void dump(UUID backupId, Database db, DatabaseMember source) throws Exception {
        long started = System.nanoTime();
        Dump dump = dumpInOneSnapshot(db, source, backupId);
        String fileName = store.commit(dump.partial(), db.getId(), backupId, dump.format());
        DumpArchive.Fingerprint fingerprint = DumpArchive.fingerprint(store.path(db.getId(), fileName));
        String summary = String.format("Backup %s: %,d bytes (%s format) from %s in %.1f s.", backupId, fingerprint.sizeBytes(),
                dump.format(), source.getName(), (System.nanoTime() - started) / 1e9);
        ledger.succeed(backupId, fileName, dump.format(), fingerprint.sizeBytes(), fingerprint.sha256(),
                json.writeValueAsString(dump.manifest()), summary);
        events.normal(db.getId(), "BackupSucceeded", summary);
    }

    /** Deletes what a dump cut short may have left (its partial file or directory, of either format). */
    void deletePartials(UUID databaseId, UUID backupId) {
        for (String format : List.of(Backup.FORMAT_CUSTOM, Backup.FORMAT_DIRECTORY)) {
            deleteQuietly(store.partialPath(databaseId, backupId, format));
        }
    }

    void applyRetention(UUID databaseId, BackupPolicy policy) {
        for (Backup expired : Retention.expired(ledger.newestFirst(databaseId), policy, Instant.now(),
                settings.maxRetentionCount())) {
            try {
                store.delete(databaseId, expired.getFileName());
                ledger.delete(expired.getId());
                events.normal(databaseId, "BackupExpired", "Backup " + expired.getId() + " of " + expired.getCreatedAt()
                        + " deleted by the retention policy.");
            } catch (IOException e) {
                log.warn("could not delete expired backup {}: {}", expired.getId(), e.toString());
            }
        }
    }

    /** A complete dump under its temporary name, in {@code format}, and what its snapshot held. */
    private record Dump(Path partial, String format, DumpManifest manifest) {
    }

    /**
     * Opens a repeatable-read transaction on the source, exports its snapshot, records the manifest and the
     * database's size in it and has pg_dump dump that very snapshot (with parallel workers, which all import
     * it, in directory format), so counts and dump agree exactly. A failed dump leaves no partial behind.
     *
     * <p>Both the session and pg_dump connect as the database's owner role, never as a superuser: whatever tenant
     * code a dump or a count can reach (row-level security policies, a relation swapped for a view mid-dump) runs
     * with the tenant's own rights. Both pin search_path at connect time (DatabaseSessions; pg_dump through PGOPTIONS).
     */
    private Dump dumpInOneSnapshot(Database db, DatabaseMember member, UUID backupId) throws SQLException, IOException {
        RuntimeInfo.Endpoint endpoint = runtime.memberEndpoint(db, member);
        DesiredCluster desired = desiredClusters.of(db);
        String owner = desired.spec().ownerUsername();
        String password = desired.ownerPassword();
        // The socket timeout bounds each manifest query (a count(*) of the largest table); the session then stays idle,
        // holding the snapshot, while pg_dump runs.
        try (Connection c = DatabaseSessions.open(endpoint, db.getName(), owner, password, "pgfleet-backup", Duration.ofHours(1))) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            String snapshot;
            long sizeBytes;
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select pg_catalog.pg_export_snapshot(),"
                         + " pg_catalog.pg_database_size(pg_catalog.current_database())")) {
                rs.next();
                snapshot = rs.getString(1);
                sizeBytes = rs.getLong(2);
            }
            DumpManifest manifest = manifest(c, db.getName());
            String format = settings.formatFor(sizeBytes);
            Path partial = store.partialPath(db.getId(), backupId, format);
            List<String> command = new ArrayList<>(List.of(installations.binDir(db.getPostgresVersion()).resolve("pg_dump").toString(),
                    "--host=" + endpoint.host(), "--port=" + endpoint.port(), "--username=" + owner,
                    "--dbname=" + db.getName(), "--format=" + format, "--snapshot=" + snapshot, "--no-password", "--file=" + partial,
                    "--lock-wait-timeout=" + DatabaseSessions.LOCK_TIMEOUT));
            if (Backup.FORMAT_DIRECTORY.equals(format)) {
                command.add("--jobs=" + settings.resolvedParallelJobs());
            }
            try {
                List<String> env = new ArrayList<>(List.of("PGPASSWORD", password, "PGCONNECT_TIMEOUT", "5",
                        "PGOPTIONS", DatabaseSessions.PINNED_OPTIONS));
                env.addAll(DatabaseSessions.hostAddressEnvironment(endpoint.host()));
                processes.runClientToCompletion(command, partial.getParent(), Duration.ofHours(6), env.toArray(String[]::new));
            } catch (RuntimeException e) {
                deleteQuietly(partial);
                throw e;
            }
            c.commit();
            return new Dump(partial, format, manifest);
        }
    }

    /** Tables (ordinary and partitioned) outside the system schemas. Every name schema-qualified: see DatabaseSessions. */
    static final String TABLES_SQL = "select n.nspname, c.relname from pg_catalog.pg_class c"
            + " join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) c.relnamespace"
            + " where c.relkind operator(pg_catalog.=) any (array['r', 'p']::pg_catalog.\"char\"[])"
            + " and n.nspname operator(pg_catalog.<>) all (array['pg_catalog', 'information_schema']::pg_catalog.name[])"
            + " and c.relpersistence operator(pg_catalog.<>) 't'"
            + " and not pg_catalog.starts_with(n.nspname::pg_catalog.text, 'pg_toast') order by 1, 2";
    static final String INDEXES_SQL = "select pg_catalog.concat(schemaname, '.', indexname) from pg_catalog.pg_indexes"
            + " where schemaname operator(pg_catalog.<>) all (array['pg_catalog', 'information_schema']::pg_catalog.name[])"
            + " order by 1";
    static final String EXTENSIONS_SQL = "select extname from pg_catalog.pg_extension"
            + " where extname operator(pg_catalog.<>) 'plpgsql' order by 1";

    /** What the snapshot holds: each table's row count, the indexes and the extensions (I/O, in the caller's snapshot). */
    static DumpManifest manifest(Connection c, String databaseName) throws SQLException {
        Map<String, Long> rowCounts = new LinkedHashMap<>();
        List<String> indexes = new ArrayList<>();
        List<String> extensions = new ArrayList<>();
        List<String[]> tables = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery(TABLES_SQL)) {
                while (rs.next()) {
                    tables.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            for (String[] t : tables) {
                try (ResultSet rs = s.executeQuery("select pg_catalog.count(*) from " + Names.quoteIdentifier(t[0]) + "."
                        + Names.quoteIdentifier(t[1]))) {
                    rs.next();
                    rowCounts.put(t[0] + "." + t[1], rs.getLong(1));
                }
            }
            try (ResultSet rs = s.executeQuery(INDEXES_SQL)) {
                while (rs.next()) {
                    indexes.add(rs.getString(1));
                }
            }
            try (ResultSet rs = s.executeQuery(EXTENSIONS_SQL)) {
                while (rs.next()) {
                    extensions.add(rs.getString(1));
                }
            }
        }
        return new DumpManifest(databaseName, rowCounts, indexes, extensions);
    }

    private static void deleteQuietly(Path partial) {
        try {
            dev.pgfleet.system.process.Directories.deleteRecursively(partial);
        } catch (IOException e) {
            log.warn("could not remove {}: {}", partial, e.toString());
        }
    }
}
