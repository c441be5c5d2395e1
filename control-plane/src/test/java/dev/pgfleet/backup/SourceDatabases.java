package dev.pgfleet.backup;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Test source data for dumps: a database {@code shop} in a scratch instance with one table of random vectors. */
final class SourceDatabases {
    private SourceDatabases() {
    }

    /**
     * Creates {@code shop} with the vector extension, {@code items(id, embedding vector(dimensions))} holding
     * {@code rows} random vectors and an HNSW index on them (I/O, as the scratch instance's superuser).
     */
    static void createShop(ScratchInstance source, int dimensions, int rows) throws SQLException {
        try (Connection c = source.connectAsSuperuser("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE shop");
        }
        try (Connection c = source.connectAsSuperuser("shop"); Statement s = c.createStatement()) {
            s.execute("SET search_path = public"); // sessions start pinned to pg_catalog, pg_temp
            s.execute("CREATE EXTENSION vector");
            s.execute("CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(" + dimensions + "))");
            // The WHERE ties the inner query to g, so each row gets its own random vector.
            s.execute("INSERT INTO items (embedding) SELECT (SELECT array_agg(random()) FROM generate_series(1, " + dimensions + ")"
                    + " WHERE g > 0)::vector(" + dimensions + ") FROM generate_series(1, " + rows + ") g");
            s.execute("CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_l2_ops)");
        }
    }
}
