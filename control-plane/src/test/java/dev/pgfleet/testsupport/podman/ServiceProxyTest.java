package dev.pgfleet.testsupport.podman;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** kube-proxy's behaviour on loopback: each new connection goes to an endpoint read at that moment; none, refused. */
class ServiceProxyTest {
    @Test
    void eachNewConnectionFollowsTheEndpointsOfThatMoment() throws Exception {
        ExecutorService pumps = Executors.newCachedThreadPool();
        try (ServerSocket a = named("a"); ServerSocket b = named("b")) {
            AtomicReference<List<ServiceProxy.Target>> endpoints = new AtomicReference<>(List.of(target(a)));
            int port;
            try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = free.getLocalPort();
            }
            try (ServiceProxy proxy = ServiceProxy.start("svc:" + port, "127.0.0.1", port, endpoints::get, pumps)) {
                assertThat(read(port)).isEqualTo("a");
                endpoints.set(List.of(target(b)));
                assertThat(read(port)).isEqualTo("b");
                endpoints.set(List.of());
                assertThat(read(port)).as("no endpoints: the connection is closed at once").isEmpty();
                assertThat(proxy.accepted()).isEqualTo(3);
            }
        } finally {
            pumps.shutdownNow();
        }
    }

    /** A server on loopback that answers every connection with its name. */
    private static ServerSocket named(String name) throws IOException {
        ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.getOutputStream().write(name.getBytes(StandardCharsets.UTF_8));
                } catch (IOException closed) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return server;
    }

    private static ServiceProxy.Target target(ServerSocket s) {
        return new ServiceProxy.Target("127.0.0.1", s.getLocalPort());
    }

    private static String read(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port); InputStream in = s.getInputStream()) {
            s.setSoTimeout(5000);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
