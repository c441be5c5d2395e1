package dev.pgfleet.database;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface DatabaseRepository extends JpaRepository<Database, UUID> {
    List<Database> findByTenantIdOrderByCreatedAt(UUID tenantId);

    Optional<Database> findByIdAndTenantId(UUID id, UUID tenantId);

    long countByTenantId(UUID tenantId);

    boolean existsByTenantIdAndName(UUID tenantId, String name);

    @Query("select d.id from Database d")
    List<UUID> findAllIds();

    /** A page of a tenant's databases, oldest first: those after (createdAt, id). */
    @Query("select d from Database d where d.tenantId = :tenantId and (d.createdAt > :afterAt"
            + " or (d.createdAt = :afterAt and d.id > :afterId)) order by d.createdAt, d.id")
    List<Database> findPage(UUID tenantId, Instant afterAt, UUID afterId, Limit limit);
}
