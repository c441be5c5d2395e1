-- The read-only endpoint of a database with replicas (issue 13): the port of its read-only PgBouncer and, in the
-- local runtime, of the TCP proxy (HAProxy) behind it. Null: no read-only endpoint (dev plans, and databases placed
-- before this migration).
alter table databases add column read_only_pooler_port integer check (read_only_pooler_port between 1 and 65535);
alter table databases add column read_only_proxy_port integer check (read_only_proxy_port between 1 and 65535);
