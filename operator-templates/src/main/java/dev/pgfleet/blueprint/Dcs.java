package dev.pgfleet.blueprint;

import java.util.List;

/**
 * The etcd (v3 API) that Patroni uses as its DCS. Every database is its own Patroni scope under one
 * namespace, so its leader key is {@code <namespace><scope>/leader}.
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
        return namespace + scope + "/leader";
    }
}
