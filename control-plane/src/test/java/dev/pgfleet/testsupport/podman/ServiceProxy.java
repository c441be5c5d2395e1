package dev.pgfleet.testsupport.podman;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * kube-proxy's part for one port of one ClusterIP Service (I/O): listens on the Service's virtual address on the test
 * network and forwards each new TCP connection to one of the Service's endpoints, read afresh (from the API's
 * Endpoints) for every connection, round robin, so it follows a change of Endpoints as kube-proxy does: open
 * connections stay where they are, new ones go to the new endpoints. No endpoints: the connection is closed at once
 * (a real cluster rejects it).
 */
final class ServiceProxy implements AutoCloseable {
    /** An endpoint to forward to. */
    record Target(String ip, int port) {
    }

    private final String description;
    private final ServerSocket server;
    private final Supplier<List<Target>> endpoints;
    private final ExecutorService pumps;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean closed;

    private ServiceProxy(String description, ServerSocket server, Supplier<List<Target>> endpoints, ExecutorService pumps) {
        this.description = description;
        this.server = server;
        this.endpoints = endpoints;
        this.pumps = pumps;
    }

    /** Binds {@code address:port} (the address must be on a host interface by now) and starts accepting. */
    static ServiceProxy start(String description, String address, int port, Supplier<List<Target>> endpoints, ExecutorService pumps)
            throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(address), port), 128);
        ServiceProxy proxy = new ServiceProxy(description, server, endpoints, pumps);
        Thread acceptor = new Thread(proxy::acceptLoop, "kube-proxy " + description);
        acceptor.setDaemon(true);
        acceptor.start();
        return proxy;
    }

    /** How many connections it has accepted (whether the Service was used at all). */
    int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            accepted.incrementAndGet();
            pumps.execute(() -> forward(client));
        }
    }

    private void forward(Socket client) {
        List<Target> targets;
        try {
            targets = endpoints.get();
        } catch (RuntimeException e) {
            targets = List.of();
        }
        if (targets.isEmpty()) {
            closeQuietly(client);
            return;
        }
        Target target = targets.get(Math.floorMod(next.getAndIncrement(), targets.size()));
        Socket upstream = new Socket();
        try {
            upstream.connect(new InetSocketAddress(target.ip(), target.port()), 3000);
            upstream.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
        } catch (IOException e) {
            closeQuietly(upstream);
            closeQuietly(client);
            return;
        }
        pumps.execute(() -> pump(client, upstream));
        pump(upstream, client);
    }

    /** Copies one direction until it ends, then closes both sockets (the other pump then ends too). */
    private static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16384];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // a reset on either side ends the connection, as it would through kube-proxy
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
