-- The operations history is pruned of finished operations past their retention (dev.pgfleet.operation.OperationRetention,
-- every hour): this index finds them without scanning every operation ever recorded.
create index database_operations_finished on database_operations (finished_at) where state in ('SUCCEEDED', 'FAILED');
