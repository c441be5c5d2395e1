package dev.pgfleet.testsupport.podman;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The test cluster's network (I/O): pod addresses, each ClusterIP Service's virtual address with a {@link ServiceProxy}
 * per port, and the cluster DNS as one hosts file. The pods' containers mount that file as /etc/hosts and the
 * control-plane JVM reads it through {@code -Djdk.net.hosts.file}; both read it on every lookup, so a name added or
 * changed later (a pod recreated with a new address) is seen at once, as with the cluster's DNS. Everything lives on
 * one internal podman network of the test's own: pods get 10.89.N.11 upwards, Services 10.89.N.200 upwards.
 */
final class ClusterNetwork implements AutoCloseable {
    private static final int FIRST_POD = 11;
    private static final int LAST_POD = 199;
    private static final int FIRST_SERVICE = 200;
    private static final int LAST_SERVICE = 254;

    private final Podman podman;
    private final String network;
    private final String prefix;
    private final Path hostsFile;
    private final Map<String, String> serviceAddresses = new LinkedHashMap<>();
    private final Map<String, ServiceProxy> proxies = new LinkedHashMap<>();
    /** Host name to address, as the DNS answers; written to the hosts file whenever it changes. */
    private final Map<String, String> names = new TreeMap<>();
    private final ExecutorService pumps = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kube-proxy-pump");
        t.setDaemon(true);
        return t;
    });
    private int nextPod = FIRST_POD;
    private int nextService = FIRST_SERVICE;
    private String written = "";

    /** {@code octet}: the third octet of 10.89.x.0/24, the network's subnet. */
    ClusterNetwork(Podman podman, String network, int octet, Path hostsFile) {
        this.podman = podman;
        this.network = network;
        this.prefix = "10.89." + octet + ".";
        this.hostsFile = hostsFile;
        podman.createNetwork(network, prefix + "0/24", prefix + "1/24");
        writeHosts();
    }

    String network() {
        return network;
    }

    Path hostsFile() {
        return hostsFile;
    }

    /** A new pod's address: never one a pod had before (a recreated pod gets a new one, as in a cluster). */
    synchronized String allocatePodAddress() {
        if (nextPod > LAST_POD) {
            throw new IllegalStateException("the test network has no pod address left");
        }
        return prefix + nextPod++;
    }

    /** A Service's virtual address, the same for as long as the Service exists. */
    synchronized String serviceAddress(String service) {
        return serviceAddresses.computeIfAbsent(service, s -> {
            if (nextService > LAST_SERVICE) {
                throw new IllegalStateException("the test network has no Service address left");
            }
            return prefix + nextService++;
        });
    }

    /**
     * Makes sure the Service's port is served on its virtual address; false while that cannot be yet (the bridge
     * exists only once the first pod runs). {@code endpoints} is asked on each new connection.
     */
    synchronized boolean ensureProxy(String service, int port, Supplier<List<ServiceProxy.Target>> endpoints) {
        String key = service + ":" + port;
        if (proxies.containsKey(key)) {
            return true;
        }
        String address = serviceAddress(service);
        if (!podman.addHostAddress(network, address + "/32")) {
            return false;
        }
        try {
            proxies.put(key, ServiceProxy.start(key, address, port, endpoints, pumps));
            return true;
        } catch (IOException e) {
            return false; // the address is being added; the next pass binds
        }
    }

    /** How many connections a Service's port has accepted. */
    synchronized int connectionsTo(String service, int port) {
        ServiceProxy p = proxies.get(service + ":" + port);
        return p == null ? 0 : p.accepted();
    }

    /** Sets the DNS answers to exactly {@code entries} (name to address); rewrites the hosts file if they changed. */
    synchronized void setNames(Map<String, String> entries) {
        names.clear();
        names.putAll(entries);
        writeHosts();
    }

    private void writeHosts() {
        Map<String, List<String>> byAddress = new TreeMap<>();
        names.forEach((name, address) -> byAddress.computeIfAbsent(address, a -> new ArrayList<>()).add(name));
        StringBuilder text = new StringBuilder(baseHosts());
        byAddress.forEach((address, hostNames) -> text.append(address).append(' ').append(String.join(" ", hostNames)).append('\n'));
        if (text.toString().equals(written)) {
            return;
        }
        try {
            // In place, never replaced: the containers bind-mount this very file (inode).
            Files.writeString(hostsFile, text, StandardCharsets.UTF_8);
            written = text.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What every hosts file of the test cluster starts with: localhost, and this machine's own name (a JVM that resolves
     * only through the file still looks its host name up).
     */
    static String baseHosts() {
        String self;
        try {
            self = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            self = "";
        }
        return "127.0.0.1 localhost" + (self.isEmpty() || self.equals("localhost") ? "" : " " + self) + "\n::1 localhost\n";
    }

    @Override
    public synchronized void close() {
        proxies.values().forEach(ServiceProxy::close);
        proxies.clear();
        pumps.shutdownNow();
    }
}
