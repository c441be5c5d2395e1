package dev.pgfleet.provisioning.local;

import dev.pgfleet.blueprint.TrustedNetworks;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Where the control plane and the members connect from on this machine: loopback (Patroni reaches its own
 * PostgreSQL there), the listen address unless it is a wildcard, and every address of the advertised host (the
 * members and the control plane connect to each other through it, so that is their source address too).
 */
final class LocalTrustedNetworks {
    private LocalTrustedNetworks() {
    }

    /** Resolves names (I/O, once at start). */
    static TrustedNetworks of(String listenAddress, String advertiseHost) {
        Set<String> cidrs = new LinkedHashSet<>();
        cidrs.add("127.0.0.1/32");
        cidrs.add("::1/128");
        try {
            InetAddress listen = InetAddress.getByName(listenAddress);
            if (!listen.isAnyLocalAddress()) {
                cidrs.add(cidr(listen));
            }
            for (InetAddress a : InetAddress.getAllByName(advertiseHost)) {
                if (!a.isAnyLocalAddress()) {
                    cidrs.add(cidr(a));
                }
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("cannot resolve the data plane's addresses (" + listenAddress + ", " + advertiseHost
                    + "): " + e.getMessage(), e);
        }
        return new TrustedNetworks(java.util.List.copyOf(cidrs));
    }

    private static String cidr(InetAddress a) {
        String host = a.getHostAddress();
        int zone = host.indexOf('%');
        if (zone >= 0) {
            host = host.substring(0, zone);
        }
        return host + (a instanceof Inet6Address ? "/128" : "/32");
    }
}
