package dev.pgfleet.drill;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

interface DrillRepository extends JpaRepository<Drill, UUID> {
    List<Drill> findByDatabaseIdOrderByCreatedAtDesc(UUID databaseId);

    Optional<Drill> findByIdAndDatabaseId(UUID id, UUID databaseId);

    Optional<Drill> findByOperationId(UUID operationId);

    /** A page of a database's drills, newest first: those before (createdAt, id). */
    @org.springframework.data.jpa.repository.Query("select d from Drill d where d.databaseId = :databaseId and"
            + " (d.createdAt < :beforeAt or (d.createdAt = :beforeAt and d.id < :beforeId))"
            + " order by d.createdAt desc, d.id desc")
    List<Drill> findPage(UUID databaseId, java.time.Instant beforeAt, UUID beforeId, org.springframework.data.domain.Limit limit);

    Optional<Drill> findFirstByDatabaseIdAndStatusInOrderByCreatedAtDesc(UUID databaseId, List<Drill.Status> statuses);
}

interface DrillPolicyRepository extends JpaRepository<DrillPolicy, UUID> {
}
