package dev.pgfleet.blueprint.kubernetes;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.ScramVerifier;
import dev.pgfleet.blueprint.TlsMaterial;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Fixed inputs for the Kubernetes golden files: every value spelled out, so a diff shows what changed. */
final class KubernetesFixtures {
    static final String SCOPE = "3f1c2b7a-9d4e-4c1a-8b2f-5e6d7c8b9a01";
    static final String ROOT_UID = "00000000-0000-0000-0000-000000000001";
    /** The defaults, with the control plane in a namespace of its own (as the Helm chart may install it). */
    static final KubernetesSettings SETTINGS = withControlPlaneIn("pgfleet-system");
    static final DatabaseSecrets SECRETS = new DatabaseSecrets(
            new ClusterSecrets("su-secret", "repl-secret", "rest-secret", "dcs-secret"),
            "owner-secret", ScramVerifier.of("owner-secret", salt("owner-salt")),
            "pooler-admin-secret", ScramVerifier.of("pooler-admin-secret", salt("admin-salt")));

    /**
     * A TLS identity spelled out: the blueprint copies the PEM text into the TLS Secret without parsing it, so fixed
     * text keeps the golden file readable (real certificates: the control plane's tests generate them).
     */
    static final TlsMaterial TLS = new TlsMaterial(
            "-----BEGIN CERTIFICATE-----\nY2EgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE-----\nc2VydmVyIGNlcnRpZmljYXRl\n-----END CERTIFICATE-----\n",
            "-----BEGIN PRIVATE KEY-----\nc2VydmVyIGtleQ==\n-----END PRIVATE KEY-----\n",
            List.of("shop-3f1c2b7a-pooler.pgfleet.svc"), "0a1b2c", Instant.parse("2027-03-01T00:00:00Z"));
    static final DatabaseSecrets SECRETS_WITH_TLS = withTls(TLS);

    private KubernetesFixtures() {
    }

    static DatabaseSecrets withTls(TlsMaterial tls) {
        return new DatabaseSecrets(SECRETS.cluster(), SECRETS.ownerPassword(), SECRETS.ownerScramVerifier(),
                SECRETS.poolerAdminPassword(), SECRETS.poolerAdminScramVerifier(), tls);
    }

    /** The root followed by every object of a database with a TLS identity. */
    static List<HasMetadata> allWithTls(ClusterSpec spec) {
        List<HasMetadata> objects = new ArrayList<>();
        objects.add(KubernetesBlueprint.root(spec, SETTINGS));
        objects.addAll(KubernetesBlueprint.databaseObjects(spec, SETTINGS, SECRETS_WITH_TLS, ROOT_UID));
        return objects;
    }

    static KubernetesSettings withControlPlaneIn(String namespace) {
        KubernetesSettings d = KubernetesSettings.defaults();
        return new KubernetesSettings(d.namespace(), d.patroniImage(), d.pgbouncerImage(), d.etcdImage(), d.storageClass(),
                d.nvmeLabelKey(), d.nvmeLabelValue(), namespace);
    }

    static ClusterSpec spec(Plan plan) {
        return new ClusterSpec(SCOPE, "shop", plan, 15);
    }

    /** The root followed by every object of the database, as the control plane would apply them. */
    static List<HasMetadata> all(ClusterSpec spec) {
        List<HasMetadata> objects = new ArrayList<>();
        objects.add(KubernetesBlueprint.root(spec, SETTINGS));
        objects.addAll(KubernetesBlueprint.databaseObjects(spec, SETTINGS, SECRETS, ROOT_UID));
        return objects;
    }

    static List<HasMetadata> owned(ClusterSpec spec) {
        return KubernetesBlueprint.databaseObjects(spec, SETTINGS, SECRETS, ROOT_UID);
    }

    /** One multi-document YAML stream, in order. */
    static String yaml(List<HasMetadata> objects) {
        return objects.stream().map(Serialization::asYaml).collect(Collectors.joining());
    }

    private static byte[] salt(String text) {
        byte[] salt = new byte[16];
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, salt, 0, Math.min(bytes.length, salt.length));
        return salt;
    }
}
