-- TLS (issue 13). One CA per installation: a single row, its private key encrypted with the master key like the
-- data-plane passwords. Control planes racing to create it insert-if-absent and read back the one that won.
create table tls_ca (
    id              smallint primary key check (id = 1),
    certificate_pem text        not null,
    private_key_enc text        not null,
    created_at      timestamptz not null default now()
);

-- Each database's server certificate (PgBouncer and every member present it), its key encrypted, and the CA
-- certificate that issued it. Null until the reconciler first issues one; renewal replaces it with a conditional
-- update on the old certificate, so two control planes renewing at once end with the same one.
alter table databases add column tls_certificate_pem text;
alter table databases add column tls_private_key_enc text;
alter table databases add column tls_ca_certificate_pem text;
