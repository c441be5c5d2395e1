package dev.pgfleet.provisioning.local;

import java.nio.file.Path;
import java.util.UUID;

/**
 * Where the local data plane keeps its files under PGFLEET_HOME:
 * <pre>
 * etcd/                      the shared DCS: data/, etcd.pid, etcd.log
 * databases/&lt;id&gt;/members/&lt;n&gt;/  patroni.yml, patroni.pid, patroni.out, data/ (pgdata/, pgpass), log/, tls/
 * databases/&lt;id&gt;/pooler/     pgbouncer.ini, pgbouncer_hba.conf, userlist.txt, pgbouncer.pid, pgbouncer.out, log/, tls/
 * databases/&lt;id&gt;/read-only/  haproxy.cfg, haproxy.pid, haproxy.out, and a second PgBouncer's files, tls/ (ha plans)
 * </pre>
 * Every directory is the control plane's except the leaves the data-plane user writes: etcd/data, a member's
 * data/ and log/, the pooler's log/. So the data-plane user can never replace a directory on the path of a file
 * the control plane writes (see DataPlaneUser). Patroni removes and re-creates pgdata when it re-clones a member,
 * which is why pgdata sits in a leaf of its own rather than being one.
 */
record LocalLayout(Path home) {

    Path etcdDir() {
        return home.resolve("etcd");
    }

    Path databaseDir(UUID id) {
        return home.resolve("databases").resolve(id.toString());
    }

    Path memberDir(UUID id, int ordinal) {
        return databaseDir(id).resolve("members").resolve(Integer.toString(ordinal));
    }

    /** The member's own directory: data/pgdata (PostgreSQL's data directory) and data/pgpass. */
    Path memberDataDir(UUID id, int ordinal) {
        return memberDir(id, ordinal).resolve("data");
    }

    Path pgdata(UUID id, int ordinal) {
        return memberDataDir(id, ordinal).resolve("pgdata");
    }

    Path poolerDir(UUID id) {
        return databaseDir(id).resolve("pooler");
    }

    /** The read-only endpoint: its HAProxy and its PgBouncer. */
    Path readOnlyDir(UUID id) {
        return databaseDir(id).resolve("read-only");
    }
}
