package dev.pgfleet.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.ClusterSecrets;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** Reads a cluster's members and roles from Patroni's REST API, and asks a member to reload its configuration. */
public class PatroniRest {
    private final HttpClient http;
    private final ObjectMapper json;

    public PatroniRest(HttpClient http, ObjectMapper json) {
        this.http = http;
        this.json = json;
    }

    /** A member as Patroni's /cluster lists it. */
    public record Member(String name, String role, String state, Long lagBytes) {
    }

    /** The members as any reachable member reports them (all members share the DCS view). */
    public Optional<List<Member>> fetchCluster(String host, List<Integer> restPorts) {
        return fetchCluster(restPorts.stream().map(port -> host + ":" + port).toList());
    }

    /** The members as the first answering address (host:port of a member's REST API) reports them. */
    public Optional<List<Member>> fetchCluster(List<String> addresses) {
        for (String address : addresses) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address + "/cluster"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return Optional.of(parse(json.readTree(r.body())));
                }
            } catch (IOException e) {
                // try the next member
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * Where a member's WAL stands, from its own {@code GET /patroni}: a leader's current location, a replica's
     * replayed location (what its readers see; /cluster's lag counts received WAL, which runs ahead while replay is
     * paused or slow). Empty when the member does not answer.
     */
    public Optional<Long> fetchWalPosition(String address) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address + "/patroni"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode xlog = json.readTree(r.body()).path("xlog");
            JsonNode position = xlog.has("location") ? xlog.path("location") : xlog.path("replayed_location");
            return position.isNumber() ? Optional.of(position.asLong()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * A replica's lag as pgfleet reports it: the larger of /cluster's (received WAL) and the WAL it has not replayed yet
     * ({@code leaderLocation - replayed}), so a replica whose replay stalls shows it. Pure.
     */
    public static Long replicaLag(Long reported, Long leaderLocation, Long replayed) {
        if (leaderLocation == null || replayed == null) {
            return reported;
        }
        long unreplayed = Math.max(0, leaderLocation - replayed);
        return reported == null ? unreplayed : Math.max(reported, unreplayed);
    }

    /** Makes a running member re-read patroni.yml (after we rewrote it). */
    public void reload(String host, int restPort, ClusterSecrets secrets) throws IOException, InterruptedException {
        String auth = Base64.getEncoder().encodeToString((ClusterSecrets.REST_API_USER + ":" + secrets.restApiPassword())
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + restPort + "/reload"))
                .timeout(Duration.ofSeconds(3)).header("Authorization", "Basic " + auth)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IOException("Patroni reload on port " + restPort + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    /**
     * Asks the leader's Patroni ({@code address}, host:port) to hand over to {@code candidate}. Patroni answers
     * once the switchover is done (200) or has failed (412: not possible now, 503: failed); the future completes
     * with that answer. Asynchronous, so the caller can watch the candidate's promotion meanwhile.
     */
    public java.util.concurrent.CompletableFuture<HttpResponse<String>> requestSwitchover(String address, String leader, String candidate,
                                                                                        ClusterSecrets secrets) {
        String auth = Base64.getEncoder().encodeToString((ClusterSecrets.REST_API_USER + ":" + secrets.restApiPassword())
                .getBytes(StandardCharsets.UTF_8));
        String body = json.createObjectNode().put("leader", leader).put("candidate", candidate).toString();
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://" + address + "/switchover"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Basic " + auth).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public static List<Member> parse(JsonNode cluster) {
        List<Member> members = new ArrayList<>();
        for (JsonNode m : cluster.path("members")) {
            JsonNode lag = m.path("lag");
            members.add(new Member(m.path("name").asText(), m.path("role").asText(null), m.path("state").asText(null),
                    lag.isNumber() ? lag.asLong() : null));
        }
        return members;
    }
}
