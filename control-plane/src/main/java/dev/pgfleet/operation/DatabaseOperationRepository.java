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

    @Query("select o from DatabaseOperation o where o.state = 'RUNNING' and (o.heartbeatAt is null or o.heartbeatAt < :before)")
    List<DatabaseOperation> findRunningSilentSince(Instant before);

    /** A page of a database's operations, newest first: those before (requestedAt, id). */
    @Query("select o from DatabaseOperation o where o.databaseId = :databaseId and"
            + " (o.requestedAt < :beforeAt or (o.requestedAt = :beforeAt and o.id < :beforeId))"
            + " order by o.requestedAt desc, o.id desc")
    List<DatabaseOperation> findPage(UUID databaseId, Instant beforeAt, UUID beforeId, Limit limit);
}
