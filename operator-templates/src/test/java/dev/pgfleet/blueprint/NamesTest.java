package dev.pgfleet.blueprint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"shop", "a", "shop-restored", "db2", "x1-y2-z3",
            "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"})
    void acceptsLowercaseLabels(String name) {
        assertThat(Names.problemWith(name)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Shop", "1shop", "sh op", "sh\"op", "shop;drop", "a/b", "..", "../etc", "shop-",
            "-shop", "sh_op", "shop'", "postgres", "template1", "pgbouncer", "replicator", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl"})
    void refusesAnythingElse(String name) {
        assertThat(Names.problemWith(name)).isNotNull();
        assertThat(Names.isValid(name)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"shop", "we\"ird"})
    void quotesIdentifiersAndLiterals(String value) {
        assertThat(Names.quoteIdentifier("we\"ird")).isEqualTo("\"we\"\"ird\"");
        assertThat(Names.quoteLiteral("it's")).isEqualTo("'it''s'");
    }
}
