package dev.pgfleet.provisioning.local;

import java.nio.file.Path;
import java.util.UUID;

/**
 * Where the local data plane keeps its files under PGFLEET_HOME:
 * <pre>
 * etcd/                      the shared DCS: data/, etcd.pid, etcd.log
 * databases/&lt;id&gt;/members/&lt;n&gt;/  patroni.yml, pgdata/, pgpass, log/, patroni.pid, patroni.out
 * databases/&lt;id&gt;/pooler/     pgbouncer.ini, userlist.txt, pgbouncer.log, pgbouncer.pid
 * </pre>
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

    Path poolerDir(UUID id) {
        return databaseDir(id).resolve("pooler");
    }
}
