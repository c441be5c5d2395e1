-- Backups: one policy per database, and one row per backup (its file lives in the backup store).
create table backup_policies (
    database_id          uuid primary key references databases (id) on delete cascade,
    cron                 varchar(120) not null,
    enabled              boolean      not null,
    retention_count      integer      check (retention_count is null or retention_count >= 1),
    retention_days       integer      check (retention_days is null or retention_days >= 1),
    verify_after_backup  boolean      not null,
    updated_at           timestamptz  not null
);

create table backups (
    id                   uuid primary key,
    database_id          uuid         not null references databases (id) on delete cascade,
    trigger_kind         varchar(16)  not null,
    status               varchar(16)  not null,
    status_reason        text,
    attempts             integer      not null default 0,
    created_at           timestamptz  not null,
    started_at           timestamptz,
    finished_at          timestamptz,
    size_bytes           bigint,
    format               varchar(16)  not null,
    sha256               varchar(64),
    source_member        varchar(80),
    file_name            text,
    manifest             text,
    verification         varchar(16)  not null,
    verification_reason  text,
    verified_at          timestamptz,
    verification_millis  bigint
);
create index backups_by_database on backups (database_id, created_at);
-- Two backups of one database never run at once.
create unique index backups_one_active_per_database on backups (database_id) where status in ('PENDING', 'RUNNING');

-- Shown with the database: when its newest backup was last proven by a test restore.
alter table databases add column last_verified_backup_at timestamptz;
