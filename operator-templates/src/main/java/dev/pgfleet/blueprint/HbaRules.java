package dev.pgfleet.blueprint;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Host-based authentication lines (pg_hba.conf and PgBouncer's auth_hba_file share the format) that, once an endpoint
 * has TLS, let plaintext in only from loopback: a rule for an address range becomes {@code hostssl} for it, plus a
 * {@code host} rule for the part of it that is loopback (127.0.0.0/8, ::1/128). Without TLS every rule stays
 * {@code host}. Pure: CIDRs are parsed as literals, never looked up.
 */
public final class HbaRules {
    static final String LOOPBACK_V4 = "127.0.0.0/8";
    static final String LOOPBACK_V6 = "::1/128";

    private HbaRules() {
    }

    /** The lines for one rule: {@code database user address method}, address a CIDR or {@code all}. */
    public static List<String> lines(String database, String user, String address, String method, boolean tls) {
        String rest = " " + database + " " + user + " ";
        if (!tls) {
            return List.of("host" + rest + address + " " + method);
        }
        List<String> lines = new ArrayList<>();
        boolean all = address.equals("all");
        if (!all && isWithinLoopback(address)) {
            // Plaintext from loopback is the documented exception; host matches TLS connections too.
            return List.of("host" + rest + address + " " + method);
        }
        if (all || contains(address, "127.0.0.1")) {
            lines.add("host" + rest + LOOPBACK_V4 + " " + method);
        }
        if (all || contains(address, "::1")) {
            lines.add("host" + rest + LOOPBACK_V6 + " " + method);
        }
        lines.add("hostssl" + rest + address + " " + method);
        return List.copyOf(lines);
    }

    /** Whether every address of {@code cidr} is loopback. */
    static boolean isWithinLoopback(String cidr) {
        String[] parts = cidr.split("/");
        byte[] network = literal(parts[0]);
        int prefix = Integer.parseInt(parts[1]);
        if (network.length == 4) {
            return prefix >= 8 && (network[0] & 0xff) == 127;
        }
        return prefix == 128 && literal("::1").length == 16 && java.util.Arrays.equals(network, literal("::1"));
    }

    /** Whether {@code cidr} includes the address {@code ip} (of the same family). */
    static boolean contains(String cidr, String ip) {
        String[] parts = cidr.split("/");
        byte[] network = literal(parts[0]);
        byte[] address = literal(ip);
        if (network.length != address.length) {
            return false;
        }
        int bits = network.length * 8;
        int prefix = Integer.parseInt(parts[1]);
        BigInteger mask = prefix == 0 ? BigInteger.ZERO
                : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE).shiftRight(bits - prefix).shiftLeft(bits - prefix);
        return new BigInteger(1, network).and(mask).equals(new BigInteger(1, address).and(mask));
    }

    private static byte[] literal(String ip) {
        if (!ip.matches("[0-9a-fA-F.:]+")) {
            throw new IllegalArgumentException("not an IP literal: " + ip);
        }
        try {
            // Digits, dots and colons only: parsed as a literal, no name lookup.
            return InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal: " + ip, e);
        }
    }
}
