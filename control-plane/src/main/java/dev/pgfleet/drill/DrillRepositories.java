package dev.pgfleet.drill;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

interface DrillRepository extends JpaRepository<Drill, UUID> {
    List<Drill> findByDatabaseIdAndTriggerNotOrderByCreatedAtDesc(UUID databaseId, Drill.Trigger excluded);

    Optional<Drill> findByIdAndDatabaseId(UUID id, UUID databaseId);

    List<Drill> findByStatusIn(List<Drill.Status> statuses);

    Optional<Drill> findFirstByDatabaseIdAndStatusIn(UUID databaseId, List<Drill.Status> statuses);

    Optional<Drill> findFirstByDatabaseIdAndTriggerNotAndStatusInOrderByCreatedAtDesc(UUID databaseId, Drill.Trigger excluded,
                                                                                    List<Drill.Status> statuses);
}

interface DrillPolicyRepository extends JpaRepository<DrillPolicy, UUID> {
}
