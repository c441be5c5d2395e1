package dev.pgfleet.security;

import java.util.UUID;

/** Who is calling: the authenticated user's tenant. Every tenant-scoped query is filtered by {@link #tenantId}. */
public record TenantPrincipal(UUID tenantId, String tenantName, UUID userId, boolean admin) implements java.io.Serializable {
}
