-- Each database's Patroni talks to etcd as its own user, whose role may touch only the database's scope.
-- The password is encrypted with the master key like the other data-plane passwords. It is null for
-- databases created before this migration: the reconciler generates one on their next pass (SQL cannot
-- encrypt with the master key), writing it only where it is still null so two passes never disagree.
alter table databases add column dcs_password_enc text;
