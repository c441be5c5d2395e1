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
