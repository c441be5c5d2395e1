package dev.pgfleet.backup;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

interface BackupRepository extends JpaRepository<Backup, UUID> {
    List<Backup> findByDatabaseIdOrderByCreatedAtDesc(UUID databaseId);

    Optional<Backup> findByIdAndDatabaseId(UUID id, UUID databaseId);

    Optional<Backup> findFirstByDatabaseIdAndStatusIn(UUID databaseId, List<Backup.Status> statuses);
}

interface BackupPolicyRepository extends JpaRepository<BackupPolicy, UUID> {
}

interface RestoreRepository extends JpaRepository<Restore, UUID> {
    List<Restore> findByTargetDatabaseIdOrderByCreatedAtDesc(UUID targetDatabaseId);

    List<Restore> findByStatus(Restore.Status status);

    /** Claims a waiting restore for this replica; 1 when the claim succeeded (so two replicas never run one restore). */
    @org.springframework.data.jpa.repository.Modifying
    @org.springframework.data.jpa.repository.Query("update Restore r set r.status = 'RESTORING', r.statusReason = 'Restoring'"
            + " where r.id = ?1 and r.status = 'WAITING'")
    int claim(UUID id);
}
