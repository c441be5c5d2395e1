-- Failover drills (and plain switchovers, which share the one-operation-at-a-time guard), and drill policies.
create table drills (
    id                        uuid         primary key,
    database_id               uuid         not null references databases (id) on delete cascade,
    kind                      varchar(16)  not null check (kind in ('SWITCHOVER', 'KILL_PRIMARY')),
    trigger_kind              varchar(16)  not null check (trigger_kind in ('ON_DEMAND', 'SCHEDULED', 'API')),
    status                    varchar(16)  not null check (status in ('PENDING', 'RUNNING', 'PASSED', 'FAILED')),
    status_reason             text,
    created_at                timestamptz  not null,
    started_at                timestamptz,
    finished_at               timestamptz,
    old_leader                varchar(120),
    new_leader                varchar(120),
    write_unavailable_millis  bigint,
    failed_transactions       bigint,
    acknowledged_writes       bigint,
    lost_writes               bigint,
    rejoin_millis             bigint
);
-- One drill or switchover per database at a time, across control-plane replicas.
create unique index drills_one_active_per_database on drills (database_id) where status in ('PENDING', 'RUNNING');
create index drills_by_database on drills (database_id, created_at desc);

create table drill_policies (
    database_id  uuid         primary key references databases (id) on delete cascade,
    cron         varchar(120) not null,
    enabled      boolean      not null,
    kind         varchar(16)  not null check (kind in ('SWITCHOVER', 'KILL_PRIMARY')),
    updated_at   timestamptz  not null
);
