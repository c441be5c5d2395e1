-- Drills and switchovers become kinds of the one database operation (V12): a drill row keeps what the drill measured
-- and names its operation; a switchover is an operation alone (it was a drills row with trigger API, used as a lock).

alter table drills add column operation_id uuid references database_operations (id) on delete set null;
create index drills_by_operation on drills (operation_id);

-- Every drill becomes an operation of kind DRILL with the same state, timings and reason. Who asked: the schedule, or a
-- user this table never recorded ('user' without an id). A drill that was RUNNING gets no heartbeat, so the operations'
-- recovery takes it over at start-up and fails it (a drill is never re-run); a PENDING one is REQUESTED and runs.
create temporary table drill_operation_ids on commit drop as
    select id as drill_id, gen_random_uuid() as operation_id from drills;

insert into database_operations (id, database_id, tenant_id, kind, state, requested_by, reason, subject_id, requested_at,
                                 started_at, finished_at, heartbeat_at, owner, attempts, version)
select m.operation_id, r.database_id, d.tenant_id,
       case when r.trigger_kind = 'API' then 'SWITCHOVER' else 'DRILL' end,
       case r.status when 'PENDING' then 'REQUESTED' when 'RUNNING' then 'RUNNING' when 'PASSED' then 'SUCCEEDED' else 'FAILED' end,
       case r.trigger_kind when 'SCHEDULED' then 'schedule' else 'user' end,
       r.status_reason,
       case when r.trigger_kind = 'API' then null else r.id end,
       r.created_at, r.started_at,
       case when r.status in ('PASSED', 'FAILED') then coalesce(r.finished_at, r.started_at, r.created_at) end,
       null, null,
       case when r.started_at is null then 0 else 1 end,
       0
from drills r
join databases d on d.id = r.database_id
join drill_operation_ids m on m.drill_id = r.id;

update drills r set operation_id = m.operation_id from drill_operation_ids m where m.drill_id = r.id and r.trigger_kind <> 'API';

-- The switchovers now live in database_operations alone.
delete from drills where trigger_kind = 'API';
alter table drills drop constraint drills_trigger_kind_check;
alter table drills add constraint drills_trigger_kind_check check (trigger_kind in ('ON_DEMAND', 'SCHEDULED'));

-- The per-database lock is the operations' (the database row locked FOR UPDATE, then OperationConflicts): a second lock
-- on drill rows would be one more that can disagree with it (a drill row left active would block drills for good).
drop index drills_one_active_per_database;

-- The drill jobs' Quartz rows (class DrillJob, group 'drill') go: the kind's job is now OperationJob, in the same group,
-- created again from each drill policy at start-up (DatabaseSchedules.applyCron); requested drills get a new trigger.
delete from qrtz_fired_triggers where job_group = 'drill';
delete from qrtz_simple_triggers where trigger_group = 'drill';
delete from qrtz_cron_triggers where trigger_group = 'drill';
delete from qrtz_simprop_triggers where trigger_group = 'drill';
delete from qrtz_blob_triggers where trigger_group = 'drill';
delete from qrtz_triggers where job_group = 'drill';
delete from qrtz_job_details where job_group = 'drill';
