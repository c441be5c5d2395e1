package dev.pgfleet.provisioning.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * fabric8's CRUD mock server does not implement server-side apply (fabric8io/mockwebserver#76,
 * kubernetes-client#5337). This dispatcher emulates it closely enough for the runtime's tests: an apply
 * patch creates the object when it is absent, and otherwise is merged into it as an RFC 7386 merge patch
 * (maps merged, lists and scalars replaced by the applied ones) and stored. Field ownership is not modelled.
 * (The mock's own merge-patch support appends to lists, which is why the merge is done here.)
 */
public class ServerSideApplyCrudDispatcher extends KubernetesCrudDispatcher {
    private static final ObjectMapper JSON = new ObjectMapper();
    private int applies;

    @Override
    public MockResponse handlePatch(RecordedRequest request) {
        String contentType = request.getHeader("Content-Type");
        if (contentType == null || !contentType.startsWith("application/apply-patch")) {
            return super.handlePatch(request);
        }
        applies++;
        String path = request.getPath();
        String withoutQuery = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        String body = request.getUtf8Body();
        if (handleGet(withoutQuery).code() == 404) {
            String collection = withoutQuery.substring(0, withoutQuery.lastIndexOf('/'));
            return handleCreate(new RecordedRequest("HTTP/1.1", HttpMethod.POST, collection,
                    new Headers.Builder().add("Content-Type", "application/json").build(), new Buffer().writeUtf8(body)));
        }
        try {
            JsonNode current = JSON.readTree(handleGet(withoutQuery).getBody().readUtf8());
            JsonNode merged = mergePatch(current, JSON.readTree(body));
            return handleUpdate(new RecordedRequest("HTTP/1.1", HttpMethod.PUT, withoutQuery,
                    new Headers.Builder().add("Content-Type", "application/json").build(),
                    new Buffer().writeUtf8(JSON.writeValueAsString(merged))));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : JSON.createObjectNode();
        patch.fields().forEachRemaining(field -> {
            if (field.getValue().isNull()) {
                result.remove(field.getKey());
            } else {
                result.set(field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
            }
        });
        return result;
    }

    /** How many server-side applies the runtime sent (proof it used apply, not create or update). */
    public int applies() {
        return applies;
    }
}
