-- Backups and restores become kinds of the one database operation (V12): the operation holds the lifecycle (state,
-- reason, attempts, timings, who asked), the backups/restores rows keep what it produced (the dump and its verification;
-- which backup went where) and name their operation. One operation per existing row, with the same state and timings.

-- Cascade: an operation goes only with its database, and its backup or restore row with it.
alter table backups add column operation_id uuid references database_operations (id) on delete cascade;
alter table restores add column operation_id uuid references database_operations (id) on delete cascade;

-- Who asked was not recorded before: 'schedule' for scheduled backups, 'user' (no user id) for the others.
with migrated as (
    select b.id as backup_id, gen_random_uuid() as operation_id from backups b
), inserted as (
    insert into database_operations (id, database_id, tenant_id, kind, state, requested_by, reason, subject_id, requested_at,
                                     started_at, finished_at, heartbeat_at, owner, attempts)
    select m.operation_id, b.database_id, d.tenant_id, 'BACKUP',
           case b.status when 'PENDING' then 'REQUESTED' else b.status end,
           case b.trigger_kind when 'SCHEDULED' then 'schedule' else 'user' end,
           b.status_reason, b.id, b.created_at, b.started_at,
           case when b.status in ('SUCCEEDED', 'FAILED') then coalesce(b.finished_at, b.created_at) end,
           -- A backup RUNNING now was cut by the upgrade's restart: no heartbeat, so recovery takes it over and retries it.
           null, null, b.attempts
    from migrated m join backups b on b.id = m.backup_id join databases d on d.id = b.database_id
    returning id, subject_id
)
update backups b set operation_id = i.id from inserted i where i.subject_id = b.id;

with migrated as (
    select r.id as restore_id, gen_random_uuid() as operation_id from restores r
), inserted as (
    insert into database_operations (id, database_id, tenant_id, kind, state, requested_by, reason, subject_id, requested_at,
                                     started_at, finished_at, attempts)
    select m.operation_id, r.target_database_id, d.tenant_id, 'RESTORE',
           case r.status when 'WAITING' then 'REQUESTED' when 'RESTORING' then 'RUNNING' else r.status end,
           'user', r.status_reason, r.id, r.created_at,
           case when r.status in ('RESTORING', 'SUCCEEDED', 'FAILED') then r.created_at end,
           case when r.status in ('SUCCEEDED', 'FAILED') then coalesce(r.finished_at, r.created_at) end,
           case when r.status = 'WAITING' then 0 else 1 end
    from migrated m join restores r on r.id = m.restore_id join databases d on d.id = r.target_database_id
    returning id, subject_id
)
update restores r set operation_id = i.id from inserted i where i.subject_id = r.id;

alter table backups alter column operation_id set not null;
alter table restores alter column operation_id set not null;
create index backups_by_operation on backups (operation_id);
create index restores_by_operation on restores (operation_id);

-- The lifecycle now lives in the operation only.
-- backups_one_active_per_database goes too: one backup per database at a time is the lock table's rule (BACKUP vs
-- BACKUP, taken under the database's row lock), which also covers every replica; a second index would only repeat it.
drop index if exists backups_one_active_per_database;
drop index if exists backups_succeeded_by_database;
drop index if exists restores_waiting;
alter table backups drop column status, drop column status_reason, drop column attempts, drop column started_at,
    drop column finished_at;
alter table restores drop column status, drop column status_reason, drop column finished_at;
-- What a tenant's backup usage is summed from: the sizes of its stored dumps (set only once a dump is committed).
create index backups_stored_by_database on backups (database_id) include (size_bytes) where size_bytes is not null;

-- The backup schedules were Quartz jobs of a class that no longer exists (BackupJob); their replacements
-- (dev.pgfleet.operation.OperationJob, same group "backup") are created at start from each policy, and waiting backups
-- are re-armed from their operations.
delete from qrtz_fired_triggers where job_group = 'backup';
delete from qrtz_simple_triggers where (sched_name, trigger_name, trigger_group) in
    (select sched_name, trigger_name, trigger_group from qrtz_triggers where job_group = 'backup');
delete from qrtz_cron_triggers where (sched_name, trigger_name, trigger_group) in
    (select sched_name, trigger_name, trigger_group from qrtz_triggers where job_group = 'backup');
delete from qrtz_simprop_triggers where (sched_name, trigger_name, trigger_group) in
    (select sched_name, trigger_name, trigger_group from qrtz_triggers where job_group = 'backup');
delete from qrtz_blob_triggers where (sched_name, trigger_name, trigger_group) in
    (select sched_name, trigger_name, trigger_group from qrtz_triggers where job_group = 'backup');
delete from qrtz_triggers where job_group = 'backup';
delete from qrtz_job_details where job_group = 'backup';
