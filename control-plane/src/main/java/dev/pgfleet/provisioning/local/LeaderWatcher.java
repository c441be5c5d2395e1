package dev.pgfleet.provisioning.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.provisioning.EtcdClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every leader key under the DCS namespace with one etcd watch, and reports each new leader as
 * soon as Patroni writes it (scope, member). This is what lets the pooler follow a failover within about a
 * second of the election instead of waiting for the next resync. After a broken watch it reconnects and
 * calls {@code onReconnect}, so that leader changes missed meanwhile are picked up.
 *
 * <p>Watches as etcd's root: every (re)connect first fetches a fresh root token (tokens expire, and etcd may have
 * restarted), and a watch etcd refuses or cancels is reconnected the same way.
 */
class LeaderWatcher {
    private static final Logger log = LoggerFactory.getLogger(LeaderWatcher.class);

    private final EtcdServer etcd;
    private final String namespace;
    private final HttpClient http;
    private final ObjectMapper json;
    private final BiConsumer<String, String> onLeader;
    private final Runnable onReconnect;
    private volatile boolean stopped;
    private volatile Stream<String> current;
    private Thread thread;

    LeaderWatcher(EtcdServer etcd, String namespace, HttpClient http, ObjectMapper json, BiConsumer<String, String> onLeader,
                  Runnable onReconnect) {
        this.etcd = etcd;
        this.namespace = namespace;
        this.http = http;
        this.json = json;
        this.onLeader = onLeader;
        this.onReconnect = onReconnect;
    }

    synchronized void ensureStarted() {
        if (thread != null || stopped) {
            return;
        }
        thread = new Thread(this::watchLoop, "leader-watch");
        thread.setDaemon(true);
        thread.start();
    }

    synchronized void stop() {
        stopped = true;
        Stream<String> s = current;
        if (s != null) {
            s.close();
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void watchLoop() {
        boolean first = true;
        while (!stopped) {
            try {
                String body = json.writeValueAsString(Map.of("create_request", Map.of(
                        "key", EtcdClient.b64(namespace), "range_end", EtcdClient.b64(EtcdClient.prefixEnd(namespace)))));
                etcd.client().authenticate();
                HttpRequest request = etcd.client().authorized(HttpRequest.newBuilder(etcd.clientUri("/v3/watch")))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
                try (Stream<String> lines = response.body()) {
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("etcd refused the watch: " + response.statusCode());
                    }
                    current = lines;
                    if (!first) {
                        onReconnect.run();
                    }
                    first = false;
                    Iterator<String> it = lines.iterator();
                    while (!stopped && it.hasNext()) {
                        handle(it.next());
                    }
                }
            } catch (Exception e) {
                if (!stopped) {
                    log.debug("leader watch broke ({}); reconnecting", e.toString());
                }
            } finally {
                current = null;
            }
            if (!stopped) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One line of the watch stream; an error or a cancelled watch ends the stream, so that it reconnects. */
    void handle(String line) {
        JsonNode message;
        try {
            message = json.readTree(line);
        } catch (Exception e) {
            log.warn("could not read a watch message: {}", e.toString());
            return;
        }
        if (message.has("error") || message.path("result").path("canceled").asBoolean(false)) {
            throw new IllegalStateException("etcd ended the watch: " + line);
        }
        try {
            JsonNode events = message.path("result").path("events");
            for (JsonNode event : events) {
                if ("DELETE".equals(event.path("type").asText())) {
                    continue;
                }
                String key = EtcdClient.unb64(event.path("kv").path("key").asText(""));
                if (key.startsWith(namespace) && key.endsWith("/leader")) {
                    String scope = key.substring(namespace.length(), key.length() - "/leader".length());
                    String leader = EtcdClient.unb64(event.path("kv").path("value").asText(""));
                    onLeader.accept(scope, leader);
                }
            }
        } catch (Exception e) {
            log.warn("could not handle a leader event: {}", e.toString());
        }
    }
}
