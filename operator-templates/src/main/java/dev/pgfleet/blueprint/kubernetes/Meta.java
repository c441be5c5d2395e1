package dev.pgfleet.blueprint.kubernetes;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.Map;
import java.util.TreeMap;

/** Metadata shared by a database's objects: namespace, labels, the owner reference to the root and the spec hash. */
record Meta(String namespace, String rootName, String rootUid, String specHash) {

    /** The same metadata with another hash (the Patroni StatefulSet carries the members' hash). */
    Meta withSpecHash(String hash) {
        return new Meta(namespace, rootName, rootUid, hash);
    }

    /** Metadata of an object owned by the database's root ConfigMap. */
    ObjectMeta owned(String name, Map<String, String> labels) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(new TreeMap<>(labels))
                .withAnnotations(new TreeMap<>(Map.of(KubernetesNames.SPEC_HASH_ANNOTATION, specHash)))
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion("v1")
                        .withKind("ConfigMap")
                        .withName(rootName)
                        .withUid(rootUid)
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())
                .build();
    }

    /** Metadata of a pod template: labels, and the spec hash so that a spec change rolls the pods. */
    ObjectMeta podTemplate(Map<String, String> labels) {
        return new ObjectMetaBuilder()
                .withLabels(new TreeMap<>(labels))
                .withAnnotations(new TreeMap<>(Map.of(KubernetesNames.SPEC_HASH_ANNOTATION, specHash)))
                .build();
    }
}
