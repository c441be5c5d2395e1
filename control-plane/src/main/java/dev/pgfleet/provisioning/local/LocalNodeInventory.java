package dev.pgfleet.provisioning.local;

import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.node.NodeInventory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * This machine is the only node. Its members are not pinned to NVMe (there is no label to check here), and
 * "used" is what the plans of the databases placed here ask for; nothing enforces it locally.
 */
@Component
@ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "local", matchIfMissing = true)
class LocalNodeInventory implements NodeInventory {
    private final LocalMetadata metadata;

    LocalNodeInventory(LocalMetadata metadata) {
        this.metadata = metadata;
    }

    @Override
    public List<NodeCapacity> fetchNodes() {
        long cpu = 0;
        long memory = 0;
        int members = 0;
        for (String planId : metadata.findPlansOfAllDatabases()) {
            Plan plan = Plan.fromId(planId).orElseThrow();
            cpu += plan.members() * plan.memberResources().cpus() * 1000L;
            memory += plan.members() * plan.memberResources().memoryBytes();
            members += plan.members();
        }
        return List.of(new NodeCapacity(hostName(), false, Runtime.getRuntime().availableProcessors() * 1000L,
                totalMemoryBytes(), cpu, memory, members));
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** MemTotal from /proc/meminfo (the JVM only knows its own heap). */
    private static long totalMemoryBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return 0;
    }
}
