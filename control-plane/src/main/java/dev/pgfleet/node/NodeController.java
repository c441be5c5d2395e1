package dev.pgfleet.node;

import io.swagger.v3.oas.annotations.Operation;
import java.util.List;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
class NodeController {
    private final NodeInventory inventory;

    NodeController(NodeInventory inventory) {
        this.inventory = inventory;
    }

    @GetMapping("/api/v1/nodes")
    @PreAuthorize("hasRole('ADMIN')")
    @Operation(summary = "Nodes database members can be placed on, with capacity and what pgfleet uses (admin only)")
    List<NodeInventory.NodeCapacity> nodes() {
        return inventory.fetchNodes();
    }
}
