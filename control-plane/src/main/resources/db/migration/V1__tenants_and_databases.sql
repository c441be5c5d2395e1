-- Tenants, their users and API tokens. Tokens are stored as SHA-256 hashes only.
create table tenants (
    id              uuid primary key,
    name            varchar(63) not null unique,
    admin           boolean     not null default false,
    database_quota  integer     not null check (database_quota >= 0),
    created_at      timestamptz not null
);

create table users (
    id          uuid primary key,
    tenant_id   uuid        not null references tenants (id) on delete cascade,
    name        varchar(63) not null,
    created_at  timestamptz not null,
    unique (tenant_id, name)
);

create table api_tokens (
    id          uuid primary key,
    user_id     uuid        not null references users (id) on delete cascade,
    token_hash  varchar(64)    not null unique,
    created_at  timestamptz not null
);

-- One row per tenant database: its desired state (what the tenant asked for) and the status the
-- reconciler last wrote. Secrets are encrypted with the control plane's master key.
create table databases (
    id                      uuid primary key,
    tenant_id               uuid         not null references tenants (id),
    name                    varchar(63)  not null,
    plan                    varchar(16)  not null,
    postgres_version        integer      not null,
    deletion_requested      boolean      not null default false,
    status                  varchar(16)  not null,
    status_reason           text,
    status_changed_at       timestamptz  not null,
    initialized             boolean      not null default false,
    owner_password_enc      text         not null,
    owner_scram_verifier    text         not null,
    superuser_password_enc  text         not null,
    replication_password_enc text        not null,
    rest_api_password_enc   text         not null,
    pooler_admin_password_enc text       not null,
    pooler_admin_scram_verifier text     not null,
    pooler_port             integer,
    created_at              timestamptz  not null,
    version                 bigint       not null,
    unique (tenant_id, name)
);

-- Ports handed to data-plane processes; the primary key keeps two databases off one port, and the
-- cascade releases a database's ports with it.
create table port_leases (
    port         integer primary key,
    database_id  uuid        not null references databases (id) on delete cascade,
    purpose      varchar(32) not null
);

create table database_members (
    id           uuid primary key,
    database_id  uuid        not null references databases (id) on delete cascade,
    ordinal      integer     not null,
    name         varchar(80) not null,
    pg_port      integer     not null,
    rest_port    integer     not null,
    role         varchar(16),
    state        varchar(32),
    lag_bytes    bigint,
    unique (database_id, ordinal)
);

create table database_events (
    id           bigserial primary key,
    database_id  uuid         not null references databases (id) on delete cascade,
    at           timestamptz  not null,
    level        varchar(8)   not null,
    reason       varchar(64)  not null,
    message      text         not null
);
create index database_events_by_database on database_events (database_id, at);
