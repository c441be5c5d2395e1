package dev.pgfleet.tenant;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

interface TenantUserRepository extends JpaRepository<TenantUser, UUID> {
    Optional<TenantUser> findByName(String name);

    List<TenantUser> findByTenantIdOrderByCreatedAt(UUID tenantId);

    Optional<TenantUser> findFirstByTenantIdOrderByCreatedAt(UUID tenantId);

    long countByTenantId(UUID tenantId);
}

interface ApiTokenRepository extends JpaRepository<ApiToken, UUID> {
    Optional<ApiToken> findByTokenHash(String tokenHash);

    List<ApiToken> findByUserIdOrderByCreatedAt(UUID userId);

    Optional<ApiToken> findByIdAndUserId(UUID id, UUID userId);
}
