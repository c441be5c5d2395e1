package dev.pgfleet.provisioning.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-side apply of only the objects whose desired state changed. Each object is stamped with
 * {@value #APPLIED_HASH_ANNOTATION}: a SHA-256 of the object exactly as the blueprint built it (canonical JSON, keys
 * sorted, without this annotation). Before applying a group of objects, their live copies are read with one list per
 * kind, by the labels the group's objects of that kind have in common; an object whose live copy carries the same hash
 * and whose {@code resourceVersion} is still the one our last apply of it returned is not applied again. So a database
 * at rest costs one list per kind per pass and no write; a changed spec, a renewed certificate or an object someone
 * deleted is applied (and only that object).
 *
 * <p>A hand edit of a field pgfleet owns ({@code kubectl edit}/{@code patch} keep the annotations) leaves the hash as
 * it was, but any write bumps the object's {@code resourceVersion}: an object whose listed version is not the one we
 * remember is applied again at the next pass, which reverts the edit. The versions are remembered in memory, per
 * control-plane process: after a restart nothing is remembered, so the first pass applies every object. A status
 * update (a StatefulSet's ready replicas) bumps the version too and costs one more apply of that object. Every group
 * is still applied in full once per {@link #FULL_APPLY_INTERVAL}, a backstop that hand edits no longer need.
 */
final class ChangedObjectApplier {
    static final String APPLIED_HASH_ANNOTATION = "pgfleet.dev/applied-hash";
    /** How often every object of a group is applied whatever its hash says, to revert hand edits. */
    static final Duration FULL_APPLY_INTERVAL = Duration.ofMinutes(10);

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private final KubernetesClient client;
    private final String namespace;
    private final String fieldManager;
    private final Clock clock;
    /** When each group was last applied in full (in memory: a restarted control plane applies everything once). */
    private final Map<String, Instant> lastFullApply = new ConcurrentHashMap<>();
    /** The resourceVersion our last apply of each object returned, by object key (in memory, as above). */
    private final Map<String, String> appliedVersion = new ConcurrentHashMap<>();

    ChangedObjectApplier(KubernetesClient client, String namespace, String fieldManager, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.fieldManager = fieldManager;
        this.clock = clock;
    }

    /** The live objects of the kinds of {@code objects}, by kind and name. */
    record Live(Map<String, HasMetadata> objects) {
        Optional<HasMetadata> find(HasMetadata desired) {
            return Optional.ofNullable(objects.get(key(desired)));
        }
    }

    /** Reads the live objects of every kind among {@code objects}: one list per kind, by their common labels. I/O. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    Live fetchLive(List<? extends HasMetadata> objects) {
        Map<Class<? extends HasMetadata>, Map<String, String>> selectors = new LinkedHashMap<>();
        for (HasMetadata o : objects) {
            Map<String, String> labels = o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
            selectors.merge(o.getClass(), new TreeMap<>(labels), (common, these) -> {
                common.entrySet().retainAll(these.entrySet());
                return common;
            });
        }
        Map<String, HasMetadata> live = new HashMap<>();
        selectors.forEach((kind, labels) -> {
            for (HasMetadata found : fetchList((Class<HasMetadata>) (Class) kind, labels)) {
                live.put(key(found), found);
            }
        });
        return new Live(Map.copyOf(live));
    }

    private <T extends HasMetadata> List<T> fetchList(Class<T> kind, Map<String, String> labels) {
        return client.resources(kind).inNamespace(namespace).withLabels(labels).list().getItems();
    }

    /** {@link #fetchLive} and {@link #applyIfChanged} for each object, in order. I/O. */
    void applyChanged(String group, List<? extends HasMetadata> objects) {
        Live live = fetchLive(objects);
        applyIfChanged(group, objects, live);
    }

    /**
     * Applies each of {@code objects} whose live copy in {@code live} is missing, carries another hash or has another
     * resourceVersion than our last apply of it returned (all of them when the group is due for a full apply); returns each object as it now is (applied, or the live copy). I/O.
     */
    List<HasMetadata> applyIfChanged(String group, List<? extends HasMetadata> objects, Live live) {
        Instant now = clock.instant();
        Instant last = lastFullApply.get(group);
        boolean full = last == null || !now.isBefore(last.plus(FULL_APPLY_INTERVAL));
        List<HasMetadata> result = objects.stream().map(desired -> {
            String hash = stamp(desired);
            Optional<HasMetadata> current = live.find(desired);
            if (!full && current.isPresent() && hash.equals(annotation(current.get()))
                    && versionOf(current.get()) != null && versionOf(current.get()).equals(appliedVersion.get(key(desired)))) {
                return current.get();
            }
            HasMetadata applied = apply(desired);
            String version = versionOf(applied);
            if (version == null) {
                appliedVersion.remove(key(desired));
            } else {
                appliedVersion.put(key(desired), version);
            }
            return applied;
        }).toList();
        if (full) {
            lastFullApply.put(group, now);
        }
        return result;
    }

    /** Forgets a deleted group ({@code objects}: the group's objects, whose remembered versions are dropped). */
    void forget(String group, List<? extends HasMetadata> objects) {
        lastFullApply.remove(group);
        objects.forEach(o -> appliedVersion.remove(key(o)));
    }

    private static String versionOf(HasMetadata object) {
        return object == null || object.getMetadata() == null ? null : object.getMetadata().getResourceVersion();
    }

    /**
     * Server-side apply with our field manager and forced conflicts: creates what is missing, and sets fields
     * we own back to the blueprint's values whatever edited them; fields others added are left alone.
     */
    HasMetadata apply(HasMetadata object) {
        return client.resource(object).inNamespace(namespace).fieldManager(fieldManager).forceConflicts().serverSideApply();
    }

    /** Sets {@value #APPLIED_HASH_ANNOTATION} on {@code object} to the hash of the object without it; returns the hash. */
    static String stamp(HasMetadata object) {
        Map<String, String> annotations = new TreeMap<>(Optional.ofNullable(object.getMetadata().getAnnotations()).orElse(Map.of()));
        annotations.remove(APPLIED_HASH_ANNOTATION);
        object.getMetadata().setAnnotations(annotations.isEmpty() ? null : annotations);
        String hash = hash(object);
        annotations.put(APPLIED_HASH_ANNOTATION, hash);
        object.getMetadata().setAnnotations(annotations);
        return hash;
    }

    static String hash(HasMetadata object) {
        try {
            byte[] json = CANONICAL.writeValueAsString(object).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash " + key(object), e);
        }
    }

    private static String annotation(HasMetadata object) {
        Map<String, String> annotations = object.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(APPLIED_HASH_ANNOTATION);
    }

    private static String key(HasMetadata object) {
        return object.getApiVersion() + "/" + object.getKind() + "/" + object.getMetadata().getName();
    }
}
