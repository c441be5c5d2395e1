package dev.pgfleet.blueprint;

import java.util.List;

/** Fixed inputs for the golden files: every value spelled out so a diff shows exactly what changed. */
final class Fixtures {
    static final Dcs DCS = new Dcs(List.of("127.0.0.1:2379"), "/pgfleet/");
    static final ClusterSecrets SECRETS = new ClusterSecrets("su-secret", "repl-secret", "rest-secret", "dcs-secret");
    /** The control plane and the members on one machine, as the local runtime sees them. */
    static final TrustedNetworks TRUSTED = new TrustedNetworks(List.of("127.0.0.1/32", "::1/128"));

    private Fixtures() {
    }

    static ClusterSpec spec(Plan plan) {
        return new ClusterSpec("3f1c2b7a-shop", "shop", plan, 15);
    }

    static PatroniMember member(ClusterSpec spec, int ordinal) {
        String dir = "/var/lib/pgfleet/databases/3f1c2b7a/members/" + ordinal;
        return new PatroniMember(spec.memberName(ordinal), "127.0.0.1", "127.0.0.1", 6000 + ordinal, 7000 + ordinal,
                dir + "/pgdata", "/usr/lib/postgresql/15/bin", dir + "/pgpass", dir + "/log",
                new TlsFiles(dir + "/tls/ca.crt", dir + "/tls/server.crt", dir + "/tls/server.key"));
    }

    static PoolerSettings pooler() {
        return new PoolerSettings("127.0.0.1", 6432, "/var/lib/pgfleet/databases/3f1c2b7a/pooler/userlist.txt",
                "/var/lib/pgfleet/databases/3f1c2b7a/pooler/pgbouncer.log", "pgfleet",
                new TlsFiles("/var/lib/pgfleet/databases/3f1c2b7a/pooler/tls/ca.crt",
                        "/var/lib/pgfleet/databases/3f1c2b7a/pooler/tls/server.crt",
                        "/var/lib/pgfleet/databases/3f1c2b7a/pooler/tls/server.key"));
    }
}
