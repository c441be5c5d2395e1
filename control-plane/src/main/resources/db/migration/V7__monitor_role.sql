-- The control plane's own role inside each tenant cluster (pgfleet_monitor: pg_monitor, CONNECT, no superuser),
-- used for insights instead of the superuser. Its password is encrypted like the others. Databases created before
-- this migration get one on their next reconcile (monitor_password_enc stays null until then).
alter table databases add column monitor_password_enc text;
