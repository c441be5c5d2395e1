package dev.pgfleet.drivers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/connect.md shows the code the driver conformance suite runs, not a copy that could drift: each snippet is
 * preceded by {@code <!-- snippet: FILE#REGION -->} and must equal the lines between {@code [REGION]} and
 * {@code [/REGION]} in that file (common indentation removed). Every driver of the suite must be quoted.
 */
class ConnectDocsTest {
    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern SNIPPET = Pattern.compile("<!-- snippet: (\\S+)#(\\S+) -->\\n```\\w*\\n(.*?)```", Pattern.DOTALL);
    /** The suite's drivers, by the file that holds what each one runs. */
    private static final Set<String> DRIVERS = Set.of(
            "control-plane/src/test/java/dev/pgfleet/drivers/PooledEndpoint.java",
            "control-plane/src/test/java/dev/pgfleet/drivers/PgjdbcVectors.java",
            "control-plane/src/test/resources/drivers/psycopg_vectors.py",
            "control-plane/src/test/resources/drivers/asyncpg_vectors.py",
            "control-plane/src/test/resources/drivers/node_pg_vectors.mjs",
            "control-plane/src/test/resources/drivers/psql_vectors.sql");

    @Test
    void everySnippetIsTheCodeTheSuiteRuns() throws IOException {
        String page = Files.readString(REPOSITORY.resolve("docs/connect.md"));
        Matcher m = SNIPPET.matcher(page);
        Set<String> quoted = new TreeSet<>();
        int snippets = 0;
        while (m.find()) {
            snippets++;
            String file = m.group(1);
            assertThat(m.group(3)).as(file + "#" + m.group(2) + " in docs/connect.md").isEqualTo(region(file, m.group(2)));
            quoted.add(file);
        }
        assertThat(snippets).as("snippets in docs/connect.md").isGreaterThanOrEqualTo(DRIVERS.size());
        assertThat(quoted).as("files quoted by docs/connect.md").containsAll(DRIVERS);
    }

    @Test
    void theReadmeLinksThePage() throws IOException {
        assertThat(Files.readString(REPOSITORY.resolve("README.md"))).contains("(docs/connect.md)");
    }

    @Test
    void aRegionIsTheLinesBetweenItsMarkersWithoutTheirCommonIndentation() {
        String source = "a\n    # [x]\n    def f():\n        return 1\n    # [/x]\nb\n";
        assertThat(region(source.lines().toList(), "x", "test")).isEqualTo("def f():\n    return 1\n");
    }

    /** The lines of {@code file} between the markers {@code [name]} and {@code [/name]}, dedented, each ending in \n. */
    static String region(String file, String name) {
        try {
            return region(Files.readAllLines(REPOSITORY.resolve(file)), name, file);
        } catch (IOException e) {
            throw new AssertionError("docs/connect.md quotes " + file + ", which cannot be read", e);
        }
    }

    private static String region(List<String> lines, String name, String file) {
        int start = -1;
        int end = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.endsWith("[" + name + "]") && start < 0) {
                start = i + 1;
            } else if (line.endsWith("[/" + name + "]") && start >= 0) {
                end = i;
                break;
            }
        }
        assertThat(start).as("[" + name + "] in " + file).isGreaterThanOrEqualTo(0);
        assertThat(end).as("[/" + name + "] in " + file).isGreaterThanOrEqualTo(start);
        List<String> body = new ArrayList<>(lines.subList(start, end));
        int indent = body.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder out = new StringBuilder();
        for (String l : body) {
            out.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return out.toString();
    }
}
