package dev.pgfleet.blueprint;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The networks (CIDRs) the control plane and a database's members connect from. Only these reach the superuser
 * and replication roles (pg_hba) and Patroni's state-changing REST endpoints (restapi.allowlist); the tenant's
 * owner role reaches its own database from anywhere.
 *
 * <p>{@link #anywhere()} is for runtimes where those addresses are not known when the configuration is built
 * (pod IPs on Kubernetes): there the NetworkPolicy is the address boundary and only the passwords remain.
 */
public record TrustedNetworks(List<String> cidrs) {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:]*:[0-9a-fA-F:]*/(\\d{1,3})");
    private static final List<String> ANYWHERE = List.of("0.0.0.0/0", "::/0");

    public TrustedNetworks {
        cidrs = List.copyOf(cidrs);
        if (cidrs.isEmpty()) {
            throw new IllegalArgumentException("at least one trusted network is required");
        }
        for (String cidr : cidrs) {
            if (!isCidr(cidr)) {
                throw new IllegalArgumentException("not an IPv4 or IPv6 CIDR: " + cidr);
            }
        }
    }

    public static TrustedNetworks anywhere() {
        return new TrustedNetworks(ANYWHERE);
    }

    public boolean isAnywhere() {
        return cidrs.containsAll(ANYWHERE);
    }

    /** Only digits, dots, colons and a prefix length: nothing that could break a pg_hba line or YAML. */
    static boolean isCidr(String cidr) {
        if (cidr == null) {
            return false;
        }
        var v4 = IPV4.matcher(cidr);
        if (v4.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(v4.group(i)) > 255) {
                    return false;
                }
            }
            return Integer.parseInt(v4.group(5)) <= 32;
        }
        var v6 = IPV6.matcher(cidr);
        return v6.matches() && Integer.parseInt(v6.group(1)) <= 128;
    }
}
