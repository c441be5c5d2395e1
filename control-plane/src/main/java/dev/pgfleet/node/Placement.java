package dev.pgfleet.node;

import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.Resources;
import java.util.List;
import java.util.Optional;

/**
 * Pure admission: can a database of this plan be placed on these nodes? Each member needs its plan's CPU and
 * memory on an NVMe node, and the members of an {@code ha} database need distinct nodes (required
 * anti-affinity), so a request that cannot be scheduled is refused up front instead of sitting Pending.
 */
public final class Placement {
    private Placement() {
    }

    /** Why the plan cannot be placed, in words for the tenant; empty when it can. */
    public static Optional<String> problem(Plan plan, List<NodeInventory.NodeCapacity> nodes) {
        Resources need = plan.memberResources();
        long cpu = need.cpus() * 1000L;
        long memory = need.memoryBytes();
        List<NodeInventory.NodeCapacity> nvme = nodes.stream().filter(NodeInventory.NodeCapacity::nvme).toList();
        int nodesNeeded = plan.members() > 1 ? plan.members() : 1;
        if (nvme.size() < nodesNeeded) {
            return Optional.of("Plan '" + plan.id() + "' needs " + nodesNeeded + " NVMe node" + (nodesNeeded > 1 ? "s" : "")
                    + (plan.members() > 1 ? " (one per member)" : "") + " but the cluster has " + nvme.size() + ".");
        }
        long fitting = nvme.stream().filter(n -> n.freeCpuMillis() >= cpu && n.freeMemoryBytes() >= memory).count();
        if (fitting < nodesNeeded) {
            return Optional.of("Plan '" + plan.id() + "' needs " + need.cpus() + " CPU and " + need.memoryMiB() + " MiB free on "
                    + nodesNeeded + " NVMe node" + (nodesNeeded > 1 ? "s" : "") + "; only " + fitting + " ha" + (fitting == 1 ? "s" : "ve")
                    + " that much left.");
        }
        return Optional.empty();
    }
}
