package dev.pgfleet.blueprint;

import java.util.List;

/**
 * The etcd (v3 API) that Patroni uses as its DCS. Every database is its own Patroni scope under one
 * namespace, so its leader key is {@code <namespace><scope>/leader}.
 *
 * <p>etcd runs with authentication: each scope has its own etcd user and role ({@link #scopeUser}) whose only
 * permission is read-write on {@link #scopePrefix}, so one database's Patroni cannot read or change another's
 * keys. The control plane alone is etcd's root.
 */
public record Dcs(List<String> etcdHosts, String namespace) {
    public Dcs {
        etcdHosts = List.copyOf(etcdHosts);
        if (etcdHosts.isEmpty()) {
            throw new IllegalArgumentException("at least one etcd host is required");
        }
        if (!namespace.startsWith("/") || !namespace.endsWith("/")) {
            throw new IllegalArgumentException("namespace must start and end with '/': " + namespace);
        }
    }

    public String leaderKey(String scope) {
        return scopePrefix(scope) + "leader";
    }

    /** Every key of a scope starts with this ({@code /pgfleet/<scope>/}); its etcd role may touch nothing else. */
    public String scopePrefix(String scope) {
        return namespace + scope + "/";
    }

    /** The etcd user (and role) of one scope; the prefix keeps it apart from etcd's own {@code root}. */
    public static String scopeUser(String scope) {
        return "patroni-" + scope;
    }
}
