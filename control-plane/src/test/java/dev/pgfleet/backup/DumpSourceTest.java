package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseMember;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DumpSourceTest {
    private static final UUID DB = UUID.randomUUID();

    private static DatabaseMember member(int ordinal, String role, String state) {
        DatabaseMember m = new DatabaseMember(DB, ordinal, "shop-" + ordinal, 6000 + ordinal, 7000 + ordinal);
        m.observe(role, state, 0L);
        return m;
    }

    private static Database database(DatabaseMember... members) {
        Database d = mock(Database.class);
        when(d.getMembers()).thenReturn(List.of(members));
        return d;
    }

    @Test
    void prefersAnAsynchronousReplicaThenTheSynchronousStandbyThenTheLeader() {
        assertThat(DumpSource.choose(database(member(0, "leader", "running"), member(1, "sync_standby", "streaming"),
                member(2, "replica", "streaming")))).map(DatabaseMember::getName).contains("shop-2");
        assertThat(DumpSource.choose(database(member(0, "leader", "running"), member(1, "sync_standby", "streaming"),
                member(2, "replica", "stopped")))).map(DatabaseMember::getName).contains("shop-1");
        assertThat(DumpSource.choose(database(member(0, "leader", "running")))).map(DatabaseMember::getName).contains("shop-0");
    }

    @Test
    void nothingHealthyMeansNoSource() {
        assertThat(DumpSource.choose(database(member(0, "leader", "stopped"), member(1, null, "starting")))).isEmpty();
    }
}
