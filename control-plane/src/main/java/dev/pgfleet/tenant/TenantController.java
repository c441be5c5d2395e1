package dev.pgfleet.tenant;

import dev.pgfleet.api.Refusals;
import dev.pgfleet.problem.Conflict;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.net.URI;
import java.time.Instant;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1/tenants")
class TenantController {
    private final TenantService tenants;

    TenantController(TenantService tenants) {
        this.tenants = tenants;
    }

    @PostMapping
    @PreAuthorize("hasRole('ADMIN')")
    @Operation(summary = "Create a tenant (admin only); the response carries its API token, shown only once")
    @Refusals(Conflict.class)
    @ApiResponse(responseCode = "201", description = "The tenant, with its first API token", useReturnTypeSchema = true)
    ResponseEntity<CreatedTenantView> create(@RequestBody CreateTenantRequest request) {
        TenantService.CreatedTenant created = tenants.createTenant(request.name(), false);
        Tenant t = created.tenant();
        return ResponseEntity.created(URI.create("/api/v1/tenants/" + t.getId()))
                .body(new CreatedTenantView(t.getId(), t.getName(), t.getDatabaseQuota(), t.getCreatedAt(), created.token()));
    }

    record CreateTenantRequest(String name) {
    }

    record CreatedTenantView(UUID id, String name, int databaseQuota, Instant createdAt, String token) {
    }
}
