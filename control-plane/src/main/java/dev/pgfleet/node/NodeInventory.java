package dev.pgfleet.node;

import java.util.List;

/** The machines a runtime can place database members on, with what they offer and what pgfleet already uses. */
public interface NodeInventory {

    /** Reads the nodes now (I/O: the Kubernetes API, or this machine and the metadata store). */
    List<NodeCapacity> fetchNodes();

    /**
     * One placement target.
     *
     * @param cpuMillis       allocatable CPU in millicores
     * @param memoryBytes     allocatable memory
     * @param usedCpuMillis   CPU requested by pgfleet's database members already placed there
     * @param usedMemoryBytes memory requested by pgfleet's database members already placed there
     */
    record NodeCapacity(String name, boolean nvme, long cpuMillis, long memoryBytes, long usedCpuMillis,
                        long usedMemoryBytes, int members) {
        public long freeCpuMillis() {
            return cpuMillis - usedCpuMillis;
        }

        public long freeMemoryBytes() {
            return memoryBytes - usedMemoryBytes;
        }
    }
}
