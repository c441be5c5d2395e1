-- A tenant's own backup storage quota, set by the admin; null means pgfleet.backup.tenant-quota-bytes.
alter table tenants add column backup_quota_bytes bigint check (backup_quota_bytes is null or backup_quota_bytes >= 0);
-- What a tenant's usage is summed from: the sizes of its successful backups.
create index backups_succeeded_by_database on backups (database_id) include (size_bytes) where status = 'SUCCEEDED';
