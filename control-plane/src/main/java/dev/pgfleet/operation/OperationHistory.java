package dev.pgfleet.operation;

import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.system.Pagination;
import dev.pgfleet.security.TenantPrincipal;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** A database's operations, newest first, scoped to the caller's tenant (the API's and the dashboard's history). */
@Service
public class OperationHistory {
    private final DatabaseService databases;
    private final DatabaseOperationRepository repository;

    OperationHistory(DatabaseService databases, DatabaseOperationRepository repository) {
        this.databases = databases;
        this.repository = repository;
    }

    @Transactional(readOnly = true)
    public Pagination.Page<DatabaseOperation> page(TenantPrincipal caller, UUID databaseId, Pagination.PageRequest request) {
        UUID id = databases.get(caller, databaseId).getId();
        Pagination.Cursor before = request.afterOr(Pagination.Cursor.AFTER_ALL);
        return Pagination.Page.of(repository.findPage(id, before.createdAt(), before.id(), request.probe()), request,
                o -> new Pagination.Cursor(o.getRequestedAt(), o.getId()));
    }
}
