package dev.pgfleet.testsupport.kubernetes;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the Kubernetes RBAC authorizer is asked about one request, derived from its method, path and query the way
 * the API server's RequestInfoFactory does (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go).
 *
 * @param verb get, list, watch, create, update, patch, delete, deletecollection; for a non-resource request the
 *             lower-cased HTTP method
 * @param apiGroup "" for the core group
 * @param subresource "" when none (pods/exec, pods/log, deployments/status have one)
 * @param namespace "" for a cluster-scoped request (or a list/watch across all namespaces)
 * @param name "" when the request names no object (list, create); a list or watch with the field selector
 *             {@code metadata.name=x} names x, as the API server reads it
 * @param path the URL path without its query, for non-resource requests and messages
 */
public record AuthorizationAttributes(boolean resourceRequest, String verb, String apiGroup, String resource, String subresource,
                                      String namespace, String name, String path) {
    /** The subresources whose GET is a connection (websocket upgrade) Kubernetes authorizes as {@code create}. */
    private static final Set<String> CONNECT_SUBRESOURCES = Set.of("exec", "attach", "portforward");
    /** Subresources of a namespace itself (/api/v1/namespaces/x/status), not resources inside it. */
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    /**
     * The attributes the API server authorizes the request with. Usually one; a server-side apply that created its
     * object is authorized as {@code patch} and then, for the creation, as {@code create} (apiserver's patch handler
     * checks create on forceAllowCreate), so it yields both. So does the websocket GET that exec, attach and
     * port-forward use (fabric8's only transport for exec): clusters before 1.35 authorize it as {@code get}, 1.35 and
     * later (AuthorizePodWebsocketUpgradeCreatePermission) as {@code create}, like SPDY's POST always was; a chart
     * that works on both must grant both.
     */
    public static List<AuthorizationAttributes> of(ApiRequest request) {
        AuthorizationAttributes attributes = parse(request.method(), request.path());
        List<AuthorizationAttributes> all = new ArrayList<>(List.of(attributes));
        if (request.isServerSideApply() && request.status() == 201) {
            all.add(attributes.withVerb("create"));
        }
        if (attributes.verb().equals("get") && CONNECT_SUBRESOURCES.contains(attributes.subresource())
                && attributes.resource().equals("pods")) {
            all.add(attributes.withVerb("create"));
        }
        return all;
    }

    static AuthorizationAttributes parse(String method, String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        Map<String, String> query = query(q < 0 ? "" : pathAndQuery.substring(q + 1));
        List<String> parts = Arrays.stream(path.split("/")).filter(p -> !p.isEmpty()).toList();
        String nonResourceVerb = method.toLowerCase(java.util.Locale.ROOT);

        String group;
        List<String> rest;
        if (parts.size() >= 3 && parts.get(0).equals("api")) {
            group = "";
            rest = parts.subList(2, parts.size());
        } else if (parts.size() >= 4 && parts.get(0).equals("apis")) {
            group = parts.get(1);
            rest = parts.subList(3, parts.size());
        } else {
            return new AuthorizationAttributes(false, nonResourceVerb, "", "", "", "", "", path);
        }

        String verb = switch (method) {
            case "POST" -> "create";
            case "GET", "HEAD" -> "get";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> throw new IllegalArgumentException("no Kubernetes verb for " + method + " " + pathAndQuery);
        };
        if (rest.get(0).equals("watch")) {
            // The deprecated /watch/ prefix.
            verb = "watch";
            rest = rest.subList(1, rest.size());
        }
        String namespace = "";
        if (!rest.isEmpty() && rest.get(0).equals("namespaces") && rest.size() > 1) {
            namespace = rest.get(1);
            if (rest.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(rest.get(2))) {
                rest = rest.subList(2, rest.size());
            }
        }
        if (rest.isEmpty()) {
            return new AuthorizationAttributes(false, nonResourceVerb, "", "", "", "", "", path);
        }
        String resource = rest.get(0);
        String name = rest.size() >= 2 ? rest.get(1) : "";
        String subresource = rest.size() >= 3 ? rest.get(2) : "";

        if (name.isEmpty() && verb.equals("get")) {
            verb = isTrue(query.get("watch")) ? "watch" : "list";
        }
        if (name.isEmpty() && (verb.equals("list") || verb.equals("watch"))) {
            name = exactName(query.get("fieldSelector"));
        }
        if (name.isEmpty() && verb.equals("delete")) {
            verb = "deletecollection";
        }
        return new AuthorizationAttributes(true, verb, group, resource, subresource, namespace, name, path);
    }

    AuthorizationAttributes withVerb(String otherVerb) {
        return new AuthorizationAttributes(resourceRequest, otherVerb, apiGroup, resource, subresource, namespace, name, path);
    }

    /** The resource as RBAC rules name it: "pods", or "pods/exec" for a subresource. */
    public String combinedResource() {
        return subresource.isEmpty() ? resource : resource + "/" + subresource;
    }

    /** "patch pods "y" in x", "list nodes cluster-wide", "get /version". */
    public String describe() {
        if (!resourceRequest) {
            return verb + " " + path;
        }
        String what = combinedResource() + (apiGroup.isEmpty() ? "" : "." + apiGroup);
        String named = name.isEmpty() ? "" : " \"" + name + "\"";
        return verb + " " + what + named + (namespace.isEmpty() ? " cluster-wide" : " in " + namespace);
    }

    private static Map<String, String> query(String query) {
        Map<String, String> values = new HashMap<>();
        for (String pair : query.split("&")) {
            if (!pair.isEmpty()) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                values.put(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    /** Kubernetes parses the watch parameter as a boolean: "true", "1", "t", "T", "TRUE", "True". */
    private static boolean isTrue(String value) {
        return value != null && Set.of("1", "t", "T", "true", "TRUE", "True").contains(value);
    }

    /** The x of a field selector that requires exactly metadata.name=x (or ==), else "". */
    private static String exactName(String fieldSelector) {
        if (fieldSelector == null) {
            return "";
        }
        for (String term : fieldSelector.split(",")) {
            String t = term.strip();
            for (String op : List.of("metadata.name==", "metadata.name=")) {
                if (t.startsWith(op) && !t.substring(op.length()).startsWith("=")) {
                    return t.substring(op.length());
                }
            }
        }
        return "";
    }
}
