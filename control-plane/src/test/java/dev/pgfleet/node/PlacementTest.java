package dev.pgfleet.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.Plan;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementTest {
    private static final long GIB = 1L << 30;

    private static NodeInventory.NodeCapacity node(String name, boolean nvme, long cpuMillis, long memory, long usedCpu, long usedMemory) {
        return new NodeInventory.NodeCapacity(name, nvme, cpuMillis, memory, usedCpu, usedMemory, 0);
    }

    @Test
    void haNeedsThreeNvmeNodesForItsAntiAffinity() {
        List<NodeInventory.NodeCapacity> two = List.of(node("a", true, 8000, 32 * GIB, 0, 0), node("b", true, 8000, 32 * GIB, 0, 0),
                node("c", false, 8000, 32 * GIB, 0, 0));
        assertThat(Placement.problem(Plan.HA, two)).contains("Plan 'ha' needs 3 NVMe nodes (one per member) but the cluster has 2.");
        assertThat(Placement.problem(Plan.DEV, two)).isEmpty();
    }

    @Test
    void capacityAlreadyUsedByPgfleetCounts() {
        List<NodeInventory.NodeCapacity> nodes = List.of(node("a", true, 8000, 32 * GIB, 0, 0), node("b", true, 8000, 32 * GIB, 0, 0),
                node("c", true, 8000, 32 * GIB, 7000, 30 * GIB));
        assertThat(Placement.problem(Plan.HA, nodes)).hasValueSatisfying(p -> assertThat(p)
                .contains("needs 2 CPU and 4096 MiB free on 3 NVMe nodes; only 2 have that much left"));
    }

    @Test
    void aDevDatabaseFitsOnOneNodeWithRoom() {
        assertThat(Placement.problem(Plan.DEV, List.of(node("a", true, 1000, GIB, 0, 0)))).isEmpty();
        assertThat(Placement.problem(Plan.DEV, List.of(node("a", true, 999, GIB, 0, 0)))).isPresent();
        assertThat(Placement.problem(Plan.DEV, List.of())).contains("Plan 'dev' needs 1 NVMe node but the cluster has 0.");
    }
}
