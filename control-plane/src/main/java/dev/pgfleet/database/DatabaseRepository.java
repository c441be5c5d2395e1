package dev.pgfleet.database;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface DatabaseRepository extends JpaRepository<Database, UUID> {
    List<Database> findByTenantIdOrderByCreatedAt(UUID tenantId);

    Optional<Database> findByIdAndTenantId(UUID id, UUID tenantId);

    long countByTenantId(UUID tenantId);

    boolean existsByTenantIdAndName(UUID tenantId, String name);

    @Query("select d.id from Database d")
    List<UUID> findAllIds();
}
