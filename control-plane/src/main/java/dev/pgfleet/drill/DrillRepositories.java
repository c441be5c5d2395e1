package dev.pgfleet.drill;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

interface DrillRepository extends JpaRepository<Drill, UUID> {
    List<Drill> findByDatabaseIdAndTriggerNotOrderByCreatedAtDesc(UUID databaseId, Drill.Trigger excluded);

    Optional<Drill> findByIdAndDatabaseId(UUID id, UUID databaseId);

    /** A page of a database's drills (not the API's plain switchovers), newest first: those before (createdAt, id). */
    @org.springframework.data.jpa.repository.Query("select d from Drill d where d.databaseId = :databaseId and d.trigger <> :excluded and"
            + " (d.createdAt < :beforeAt or (d.createdAt = :beforeAt and d.id < :beforeId))"
            + " order by d.createdAt desc, d.id desc")
    List<Drill> findPage(UUID databaseId, Drill.Trigger excluded, java.time.Instant beforeAt, UUID beforeId,
                         org.springframework.data.domain.Limit limit);

    List<Drill> findByStatusIn(List<Drill.Status> statuses);

    Optional<Drill> findFirstByDatabaseIdAndStatusIn(UUID databaseId, List<Drill.Status> statuses);

    Optional<Drill> findFirstByDatabaseIdAndTriggerNotAndStatusInOrderByCreatedAtDesc(UUID databaseId, Drill.Trigger excluded,
                                                                                    List<Drill.Status> statuses);
}

interface DrillPolicyRepository extends JpaRepository<DrillPolicy, UUID> {
}
