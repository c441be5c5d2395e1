package dev.pgfleet.backup;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.EntityGraph;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/** Backups and restores are read with their operation (their lifecycle) in the same query. */
interface BackupRepository extends JpaRepository<Backup, UUID> {
    @EntityGraph(attributePaths = "operation")
    List<Backup> findByDatabaseIdOrderByCreatedAtDesc(UUID databaseId);

    Optional<Backup> findByIdAndDatabaseId(UUID id, UUID databaseId);

    /** A page of a database's backups, newest first: those before (createdAt, id). */
    @Query("select b from Backup b join fetch b.operation where b.databaseId = :databaseId and"
            + " (b.createdAt < :beforeAt or (b.createdAt = :beforeAt and b.id < :beforeId))"
            + " order by b.createdAt desc, b.id desc")
    List<Backup> findPage(UUID databaseId, java.time.Instant beforeAt, UUID beforeId, org.springframework.data.domain.Limit limit);
}

interface BackupPolicyRepository extends JpaRepository<BackupPolicy, UUID> {
}

interface RestoreRepository extends JpaRepository<Restore, UUID> {
    @EntityGraph(attributePaths = "operation")
    List<Restore> findByTargetDatabaseIdOrderByCreatedAtDesc(UUID targetDatabaseId);

    /** The restores from a backup (any target), with their operations. */
    @EntityGraph(attributePaths = "operation")
    List<Restore> findByBackupId(UUID backupId);

    /** A page of the restores into a database, newest first, as {@link BackupRepository#findPage}. */
    @Query("select r from Restore r join fetch r.operation where r.targetDatabaseId = :databaseId and"
            + " (r.createdAt < :beforeAt or (r.createdAt = :beforeAt and r.id < :beforeId))"
            + " order by r.createdAt desc, r.id desc")
    List<Restore> findPage(UUID databaseId, java.time.Instant beforeAt, UUID beforeId, org.springframework.data.domain.Limit limit);
}
