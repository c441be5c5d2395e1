package dev.pgfleet.database;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

interface DatabaseEventRepository extends JpaRepository<DatabaseEvent, Long> {
    List<DatabaseEvent> findTop50ByDatabaseIdOrderByIdDesc(UUID databaseId);

    Optional<DatabaseEvent> findTopByDatabaseIdOrderByIdDesc(UUID databaseId);
}
