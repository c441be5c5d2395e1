package dev.pgfleet.backup;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

interface BackupRepository extends JpaRepository<Backup, UUID> {
    List<Backup> findByDatabaseIdOrderByCreatedAtDesc(UUID databaseId);

    Optional<Backup> findByIdAndDatabaseId(UUID id, UUID databaseId);

    Optional<Backup> findFirstByDatabaseIdAndStatusIn(UUID databaseId, List<Backup.Status> statuses);

    /** A page of a database's backups, newest first: those before (createdAt, id). */
    @org.springframework.data.jpa.repository.Query("select b from Backup b where b.databaseId = :databaseId and"
            + " (b.createdAt < :beforeAt or (b.createdAt = :beforeAt and b.id < :beforeId))"
            + " order by b.createdAt desc, b.id desc")
    List<Backup> findPage(UUID databaseId, java.time.Instant beforeAt, UUID beforeId, org.springframework.data.domain.Limit limit);
}

interface BackupPolicyRepository extends JpaRepository<BackupPolicy, UUID> {
}

interface RestoreRepository extends JpaRepository<Restore, UUID> {
    List<Restore> findByTargetDatabaseIdOrderByCreatedAtDesc(UUID targetDatabaseId);

    List<Restore> findByStatus(Restore.Status status);

    /** A page of the restores into a database, newest first, as {@link BackupRepository#findPage}. */
    @org.springframework.data.jpa.repository.Query("select r from Restore r where r.targetDatabaseId = :databaseId and"
            + " (r.createdAt < :beforeAt or (r.createdAt = :beforeAt and r.id < :beforeId))"
            + " order by r.createdAt desc, r.id desc")
    List<Restore> findPage(UUID databaseId, java.time.Instant beforeAt, UUID beforeId, org.springframework.data.domain.Limit limit);

    /** Claims a waiting restore for this replica; 1 when the claim succeeded (so two replicas never run one restore). */
    @org.springframework.data.jpa.repository.Modifying
    @org.springframework.data.jpa.repository.Query("update Restore r set r.status = 'RESTORING', r.statusReason = 'Restoring'"
            + " where r.id = ?1 and r.status = 'WAITING'")
    int claim(UUID id);
}
