-- A restore of a backup into a database: a new one provisioned for it, or the source itself on request.
create table restores (
    id                  uuid primary key,
    backup_id           uuid         not null references backups (id) on delete cascade,
    target_database_id  uuid         not null references databases (id) on delete cascade,
    overwrite           boolean      not null,
    status              varchar(16)  not null,
    status_reason       text,
    created_at          timestamptz  not null,
    finished_at         timestamptz
);
create index restores_waiting on restores (status) where status = 'WAITING';
