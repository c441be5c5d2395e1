-- One persisted model for everything pgfleet does to a database (dev.pgfleet.operation): backups, verifications,
-- restores, switchovers, drills, and the operations still to come. A feature's own row (backups, drills, restores) keeps
-- what the operation produced and names its operation.
create table database_operations (
    id            uuid primary key,
    database_id   uuid         not null references databases (id) on delete cascade,
    tenant_id     uuid         not null,
    kind          varchar(32)  not null,
    state         varchar(16)  not null check (state in ('REQUESTED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
    requested_by  varchar(64)  not null,
    reason        text,
    subject_id    uuid,
    requested_at  timestamptz  not null,
    started_at    timestamptz,
    finished_at   timestamptz,
    heartbeat_at  timestamptz,
    owner         varchar(200),
    attempts      integer      not null default 0,
    version       bigint       not null default 0
);

create index database_operations_history on database_operations (database_id, requested_at desc, id desc);
create index database_operations_active on database_operations (database_id) where state in ('REQUESTED', 'RUNNING');
create index database_operations_running on database_operations (heartbeat_at) where state = 'RUNNING';
