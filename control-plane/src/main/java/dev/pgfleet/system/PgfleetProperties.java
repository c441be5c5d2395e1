package dev.pgfleet.system;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Everything an operator can set, bound from {@code pgfleet.*} (and the PGFLEET_* environment variables
 * mapped in application.yml).
 *
 * @param home            where all state lives; see {@link #resolvedHome()}
 * @param db              external metadata database; empty url means the embedded one under home
 * @param databaseQuota   databases a new tenant may have
 * @param reconcile       reconciler timing
 * @param local           the local runtime
 * @param runtime         {@code local} (processes on this machine) or {@code kubernetes}
 * @param kubernetes      the Kubernetes runtime; also used to export manifests under any runtime
 * @param adminToken      the admin token to create on first start (e.g. from a Kubernetes Secret); empty
 *                        generates one and writes it to $PGFLEET_HOME/admin-token
 */
@ConfigurationProperties("pgfleet")
public record PgfleetProperties(
        String home,
        @DefaultValue Db db,
        @DefaultValue("10") int databaseQuota,
        @DefaultValue Reconcile reconcile,
        @DefaultValue Local local,
        String masterKey,
        @DefaultValue("local") String runtime,
        @DefaultValue Kubernetes kubernetes,
        String adminToken) {

    public record Db(String url, String user, String password) {
        public boolean external() {
            return url != null && !url.isBlank();
        }
    }

    /**
     * @param resyncInterval       every database is reconciled at least this often
     * @param provisioningDeadline a database still not READY after this becomes FAILED, with the reason
     * @param maxBackoff           the longest wait between retries of a failing step
     */
    public record Reconcile(
            @DefaultValue("5s") Duration resyncInterval,
            @DefaultValue("5m") Duration provisioningDeadline,
            @DefaultValue("30s") Duration maxBackoff,
            @DefaultValue("4") int workers) {
    }

    /**
     * @param listenAddress  address data-plane processes bind to
     * @param advertiseHost  host name put into connection strings
     * @param portRangeStart first port handed to data-plane processes
     * @param portRangeEnd   last port handed to data-plane processes
     * @param osUser         unprivileged user that runs data-plane processes when the control plane is root
     * @param postgresRoot   where PostgreSQL major versions are installed (one directory per version)
     * @param metadataOsUser unprivileged user that runs the embedded metadata store when the control plane is root;
     *                       never the same as {@code osUser}, so the data plane cannot reach the control plane's state
     */
    public record Local(
            @DefaultValue("127.0.0.1") String listenAddress,
            @DefaultValue("127.0.0.1") String advertiseHost,
            @DefaultValue("20000") int portRangeStart,
            @DefaultValue("29999") int portRangeEnd,
            @DefaultValue("postgres") String osUser,
            @DefaultValue("/usr/lib/postgresql") String postgresRoot,
            @DefaultValue("/usr/share/postgresql") String postgresShareRoot,
            @DefaultValue("pgfleet") String metadataOsUser) {
    }

    /**
     * @param namespace        where database objects are created
     * @param storageClass     the NVMe-backed storage class for PostgreSQL volumes
     * @param nvmeLabel        the node label ({@code key=value}) that marks NVMe nodes
     * @param pvcRetention     {@code retain} (default: data survives deletion, for recovery) or {@code delete}
     * @param leaseName        the Lease control-plane replicas elect a leader with
     * @param postgresVersions the PostgreSQL major versions the Patroni image ships
     */
    public record Kubernetes(
            @DefaultValue("pgfleet") String namespace,
            @DefaultValue("local-nvme") String storageClass,
            @DefaultValue("pgfleet.dev/storage=nvme") String nvmeLabel,
            @DefaultValue(dev.pgfleet.blueprint.kubernetes.KubernetesSettings.DEFAULT_DATAPLANE_IMAGE) String patroniImage,
            @DefaultValue(dev.pgfleet.blueprint.kubernetes.KubernetesSettings.DEFAULT_DATAPLANE_IMAGE) String pgbouncerImage,
            @DefaultValue(dev.pgfleet.blueprint.kubernetes.KubernetesSettings.DEFAULT_DATAPLANE_IMAGE) String etcdImage,
            @DefaultValue("retain") String pvcRetention,
            @DefaultValue("pgfleet-leader") String leaseName,
            @DefaultValue("15") java.util.List<Integer> postgresVersions,
            // The cluster's DNS domain: its fully qualified Service names go into the databases' server certificates
            // (KubernetesRuntime.serverCertificateNames); empty: not known, only the names up to ".svc".
            @DefaultValue("cluster.local") String clusterDomain) {

        public String nvmeLabelKey() {
            return nvmeLabel.contains("=") ? nvmeLabel.substring(0, nvmeLabel.indexOf('=')) : nvmeLabel;
        }

        public String nvmeLabelValue() {
            return nvmeLabel.contains("=") ? nvmeLabel.substring(nvmeLabel.indexOf('=') + 1) : "true";
        }
    }

    /**
     * PGFLEET_HOME, or ~/.pgfleet; for root /var/lib/pgfleet, because data-plane processes then run as an
     * unprivileged user who cannot enter /root.
     */
    public Path resolvedHome() {
        if (home != null && !home.isBlank()) {
            return Path.of(home).toAbsolutePath().normalize();
        }
        if ("root".equals(System.getProperty("user.name"))) {
            return Path.of("/var/lib/pgfleet");
        }
        return Path.of(System.getProperty("user.home"), ".pgfleet");
    }
}
