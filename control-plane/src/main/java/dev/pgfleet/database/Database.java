package dev.pgfleet.database;

import jakarta.persistence.CascadeType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A tenant database: what the tenant asked for (name, plan, version, whether it should exist), the
 * secrets generated for it (encrypted), the ports it was given, and the status the reconciler wrote.
 */
@Entity
@Table(name = "databases")
public class Database {
    @Id
    private UUID id;
    @Column(name = "tenant_id")
    private UUID tenantId;
    private String name;
    private String plan;
    @Column(name = "postgres_version")
    private int postgresVersion;
    @Column(name = "deletion_requested")
    private boolean deletionRequested;
    @Enumerated(EnumType.STRING)
    private DatabaseStatus status;
    @Column(name = "status_reason")
    private String statusReason;
    @Column(name = "status_changed_at")
    private Instant statusChangedAt;
    private boolean initialized;
    @Column(name = "owner_password_enc")
    private String ownerPasswordEnc;
    @Column(name = "owner_scram_verifier")
    private String ownerScramVerifier;
    @Column(name = "superuser_password_enc")
    private String superuserPasswordEnc;
    @Column(name = "replication_password_enc")
    private String replicationPasswordEnc;
    @Column(name = "rest_api_password_enc")
    private String restApiPasswordEnc;
    @Column(name = "pooler_admin_password_enc")
    private String poolerAdminPasswordEnc;
    @Column(name = "pooler_admin_scram_verifier")
    private String poolerAdminScramVerifier;
    /**
     * The password of the database's own etcd user, encrypted. Never written through JPA: it is set once, by a
     * conditional update (see DesiredClusters), also for databases created before it existed, and a stale
     * entity saved later must not write it back to null.
     */
    @Column(name = "dcs_password_enc", insertable = false, updatable = false)
    private String dcsPasswordEnc;
    /** The database's server certificate, key and issuing CA (issue 13); written only by tls/ServerCertificates. */
    @Column(name = "tls_certificate_pem", insertable = false, updatable = false)
    private String tlsCertificatePem;
    @Column(name = "tls_private_key_enc", insertable = false, updatable = false)
    private String tlsPrivateKeyEnc;
    @Column(name = "tls_ca_certificate_pem", insertable = false, updatable = false)
    private String tlsCaCertificatePem;
    @Column(name = "monitor_password_enc")
    private String monitorPasswordEnc;
    @Column(name = "pooler_port")
    private Integer poolerPort;
    /** The read-only PgBouncer's port; null when the database has no read-only endpoint. */
    @Column(name = "read_only_pooler_port")
    private Integer readOnlyPoolerPort;
    /** The local runtime's proxy behind the read-only PgBouncer (not a client endpoint); null elsewhere. */
    @Column(name = "read_only_proxy_port")
    private Integer readOnlyProxyPort;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "last_verified_backup_at")
    private Instant lastVerifiedBackupAt;
    @Version
    private long version;

    @OneToMany(mappedBy = "databaseId", cascade = CascadeType.ALL, orphanRemoval = true, fetch = FetchType.EAGER)
    @OrderBy("ordinal")
    private List<DatabaseMember> members = new ArrayList<>();

    protected Database() {
    }

    Database(UUID tenantId, String name, String plan, int postgresVersion, Secrets secrets) {
        this.id = UUID.randomUUID();
        this.tenantId = tenantId;
        this.name = name;
        this.plan = plan;
        this.postgresVersion = postgresVersion;
        this.status = DatabaseStatus.PENDING;
        this.statusReason = "Waiting for the reconciler";
        this.createdAt = Instant.now();
        this.statusChangedAt = createdAt;
        this.ownerPasswordEnc = secrets.ownerPasswordEnc();
        this.ownerScramVerifier = secrets.ownerScramVerifier();
        this.superuserPasswordEnc = secrets.superuserPasswordEnc();
        this.replicationPasswordEnc = secrets.replicationPasswordEnc();
        this.restApiPasswordEnc = secrets.restApiPasswordEnc();
        this.poolerAdminPasswordEnc = secrets.poolerAdminPasswordEnc();
        this.poolerAdminScramVerifier = secrets.poolerAdminScramVerifier();
        this.monitorPasswordEnc = secrets.monitorPasswordEnc();
    }

    /** Encrypted passwords and the SCRAM verifiers derived from them, fixed at creation. */
    record Secrets(String ownerPasswordEnc, String ownerScramVerifier, String superuserPasswordEnc,
                   String replicationPasswordEnc, String restApiPasswordEnc, String poolerAdminPasswordEnc,
                   String poolerAdminScramVerifier, String monitorPasswordEnc) {
    }

    /** Sets the status; returns whether anything changed (so callers write and log only real changes). */
    public boolean changeStatus(DatabaseStatus newStatus, String reason) {
        if (newStatus == status && java.util.Objects.equals(reason, statusReason)) {
            return false;
        }
        if (newStatus != status) {
            statusChangedAt = Instant.now();
        }
        status = newStatus;
        statusReason = reason;
        return true;
    }

    void requestDeletion() {
        deletionRequested = true;
    }

    public void recordVerifiedBackup(Instant at) {
        if (lastVerifiedBackupAt == null || at.isAfter(lastVerifiedBackupAt)) {
            lastVerifiedBackupAt = at;
        }
    }

    public Instant getLastVerifiedBackupAt() {
        return lastVerifiedBackupAt;
    }

    public void markInitialized() {
        initialized = true;
    }

    public void assignPorts(int poolerPort, List<DatabaseMember> newMembers) {
        this.poolerPort = poolerPort;
        members.clear();
        members.addAll(newMembers);
    }

    /** Gives the database a read-only endpoint (inside the creating transaction); {@code proxyPort} may be null. */
    public void assignReadOnlyPorts(int poolerPort, Integer proxyPort) {
        this.readOnlyPoolerPort = poolerPort;
        this.readOnlyProxyPort = proxyPort;
    }

    public Integer getReadOnlyPoolerPort() {
        return readOnlyPoolerPort;
    }

    public Integer getReadOnlyProxyPort() {
        return readOnlyProxyPort;
    }

    public UUID getId() {
        return id;
    }

    public UUID getTenantId() {
        return tenantId;
    }

    public String getName() {
        return name;
    }

    public String getPlan() {
        return plan;
    }

    public int getPostgresVersion() {
        return postgresVersion;
    }

    public boolean isDeletionRequested() {
        return deletionRequested;
    }

    public DatabaseStatus getStatus() {
        return status;
    }

    public String getStatusReason() {
        return statusReason;
    }

    public Instant getStatusChangedAt() {
        return statusChangedAt;
    }

    public boolean isInitialized() {
        return initialized;
    }

    public String getOwnerPasswordEnc() {
        return ownerPasswordEnc;
    }

    public String getOwnerScramVerifier() {
        return ownerScramVerifier;
    }

    public String getSuperuserPasswordEnc() {
        return superuserPasswordEnc;
    }

    public String getReplicationPasswordEnc() {
        return replicationPasswordEnc;
    }

    public String getRestApiPasswordEnc() {
        return restApiPasswordEnc;
    }

    public String getPoolerAdminPasswordEnc() {
        return poolerAdminPasswordEnc;
    }

    /** The control plane's monitoring role's password; null for a database created before that role existed. */
    public String getMonitorPasswordEnc() {
        return monitorPasswordEnc;
    }

    /** For a database created before the monitoring role existed: its password, set once. */
    public void assignMonitorPassword(String encrypted) {
        if (monitorPasswordEnc == null) {
            monitorPasswordEnc = encrypted;
        }
    }

    public String getPoolerAdminScramVerifier() {
        return poolerAdminScramVerifier;
    }

    /** Null until the reconciler first converged the database (see DesiredClusters). */
    public String getDcsPasswordEnc() {
        return dcsPasswordEnc;
    }

    public String getTlsCertificatePem() {
        return tlsCertificatePem;
    }

    public String getTlsPrivateKeyEnc() {
        return tlsPrivateKeyEnc;
    }

    public String getTlsCaCertificatePem() {
        return tlsCaCertificatePem;
    }

    public Integer getPoolerPort() {
        return poolerPort;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public List<DatabaseMember> getMembers() {
        return members;
    }

    /** The member last observed as leader, if any (what the reconciler recorded, not a live look). */
    public Optional<DatabaseMember> lastObservedLeader() {
        return members.stream().filter(m -> "leader".equals(m.getRole())).findFirst();
    }
}
