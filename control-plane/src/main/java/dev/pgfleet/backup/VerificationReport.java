package dev.pgfleet.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link VerificationResult} as the one line of JSON the verify-dump command writes and the Kubernetes adapter
 * reads back from the container's termination message: {@code {"passed":…,"reason":"…","tookMillis":…}}. Pure.
 */
final class VerificationReport {
    /** The kubelet keeps at most 4096 bytes of a termination message; stay well inside it. */
    static final int MAX_BYTES = 3500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private VerificationReport() {
    }

    /** The result as JSON of at most {@link #MAX_BYTES} bytes (a long reason is shortened, marked with "…"). */
    static String toJson(VerificationResult result) {
        String reason = result.reason() == null ? "" : result.reason();
        while (true) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("passed", result.passed());
            fields.put("reason", reason);
            fields.put("tookMillis", result.took() == null ? 0 : result.took().toMillis());
            String json;
            try {
                json = JSON.writeValueAsString(fields);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            if (json.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES) {
                return json;
            }
            reason = reason.substring(0, reason.length() * 3 / 4) + "…";
        }
    }

    /** The result in {@code message}, or empty when it is not such a report (e.g. the end of a crashed JVM's log). */
    static Optional<VerificationResult> parse(String message) {
        if (message == null || message.isBlank()) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(message.strip());
            if (node == null || !node.isObject() || !node.path("passed").isBoolean() || !node.path("reason").isTextual()
                    || !node.path("tookMillis").canConvertToLong()) {
                return Optional.empty();
            }
            return Optional.of(new VerificationResult(node.get("passed").booleanValue(), node.get("reason").textValue(),
                    Duration.ofMillis(Math.max(0, node.get("tookMillis").longValue()))));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }
}
