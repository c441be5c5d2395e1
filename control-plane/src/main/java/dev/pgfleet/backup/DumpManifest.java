package dev.pgfleet.backup;

import java.util.List;
import java.util.Map;

/**
 * What a dump contains, captured from the source in the same snapshot the dump was taken in, so that a
 * restore can be checked against it.
 *
 * @param databaseName the database the dump was taken from (and is restored into)
 * @param rowCounts    {@code select count(*)} of each table, keyed {@code schema.table}
 * @param indexes      each index as {@code schema.indexname}
 * @param extensions   each installed extension by name (e.g. {@code vector})
 */
public record DumpManifest(String databaseName, Map<String, Long> rowCounts, List<String> indexes, List<String> extensions) {
    public DumpManifest {
        rowCounts = Map.copyOf(rowCounts);
        indexes = List.copyOf(indexes);
        extensions = List.copyOf(extensions);
    }

    public long totalRows() {
        return rowCounts.values().stream().mapToLong(Long::longValue).sum();
    }
}
