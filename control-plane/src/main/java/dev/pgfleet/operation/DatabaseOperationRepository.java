package dev.pgfleet.operation;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface DatabaseOperationRepository extends JpaRepository<DatabaseOperation, UUID> {
    List<DatabaseOperation> findByDatabaseIdAndStateIn(UUID databaseId, Collection<OperationState> states);

    long countByTenantIdAndKindAndStateIn(UUID tenantId, OperationKind kind, Collection<OperationState> states);

    List<DatabaseOperation> findByState(OperationState state);

    /** RUNNING operations with no heartbeat for {@code seconds}, by the database's clock (replicas' clocks may differ). */
    @Query(value = "select * from database_operations where state = 'RUNNING'"
            + " and (heartbeat_at is null or heartbeat_at < now() - make_interval(secs => :seconds))", nativeQuery = true)
    List<DatabaseOperation> findRunningSilentFor(double seconds);

    /** REQUESTED operations requested more than {@code seconds} ago, by the database's clock. */
    @Query(value = "select * from database_operations where state = 'REQUESTED'"
            + " and requested_at < now() - make_interval(secs => :seconds)", nativeQuery = true)
    List<DatabaseOperation> findRequestedFor(double seconds);

    /** A page of a database's operations, newest first: those before (requestedAt, id). */
    @Query("select o from DatabaseOperation o where o.databaseId = :databaseId and"
            + " (o.requestedAt < :beforeAt or (o.requestedAt = :beforeAt and o.id < :beforeId))"
            + " order by o.requestedAt desc, o.id desc")
    List<DatabaseOperation> findPage(UUID databaseId, Instant beforeAt, UUID beforeId, Limit limit);
}
