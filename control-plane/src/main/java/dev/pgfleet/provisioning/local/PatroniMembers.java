package dev.pgfleet.provisioning.local;

import dev.pgfleet.blueprint.Dcs;
import dev.pgfleet.blueprint.PatroniConfig;
import dev.pgfleet.blueprint.PatroniMember;
import dev.pgfleet.blueprint.TrustedNetworks;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.PatroniRest;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.tls.PresentedCertificate;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a database's Patroni members as local processes: writes their configuration, starts, reloads and stops them. */
class PatroniMembers {
    private static final Logger log = LoggerFactory.getLogger(PatroniMembers.class);

    private final LocalLayout layout;
    private final LocalProcesses processes;
    private final PatroniRest rest;
    private final String listenHost;
    private final String connectHost;
    private final java.util.function.IntFunction<Path> binDirOfVersion;
    private final TrustedNetworks trusted;

    /** @param trusted the addresses the control plane and the members connect from (pg_hba, REST allowlist) */
    PatroniMembers(LocalLayout layout, LocalProcesses processes, PatroniRest rest, String listenHost, String connectHost,
                   java.util.function.IntFunction<Path> binDirOfVersion, TrustedNetworks trusted) {
        this.trusted = trusted;
        this.layout = layout;
        this.processes = processes;
        this.rest = rest;
        this.listenHost = listenHost;
        this.connectHost = connectHost;
        this.binDirOfVersion = binDirOfVersion;
    }

    /**
     * Every member runs with its current configuration. A dead member is started again, except a dead
     * leader whose key is still in the DCS while other members exist: restarting it at once would race
     * its own failover, so it waits until a standby has taken over (at most one TTL).
     *
     * @return whether a running member was asked to reload (it applies the new file on its next loop, not at once)
     */
    boolean ensure(DesiredCluster desired, Dcs dcs, Optional<String> dcsLeader) throws IOException, InterruptedException {
        boolean reloaded = false;
        for (DesiredCluster.MemberSlot slot : desired.members()) {
            Path dir = layout.memberDir(desired.id(), slot.ordinal());
            processes.user().createControlledDirectories(dir);
            processes.user().createOwnedLeaf(layout.memberDataDir(desired.id(), slot.ordinal()));
            processes.user().createOwnedLeaf(dir.resolve("log"));
            Path config = dir.resolve("patroni.yml");
            boolean tlsChanged = desired.tls() != null && LocalTlsFiles.write(processes.user(), dir, desired.tls());
            boolean changed = processes.user().writeOwnedFile(config, PatroniConfig.render(desired.spec(), member(desired, slot), dcs,
                    desired.secrets(), trusted));
            boolean running = find(desired, slot).isPresent();
            if (running && (changed || tlsChanged || presentsOtherCertificate(desired, slot))) {
                // Patroni's /reload re-signals PostgreSQL even when only the TLS files' contents changed (3.0.2:
                // reload_config(sighup=True) always ends in pg_ctl reload), and PostgreSQL re-reads them on SIGHUP.
                rest.reload(connectHost, slot.restPort(), desired.secrets());
                reloaded = true;
            } else if (!running) {
                if (desired.members().size() > 1 && dcsLeader.equals(Optional.of(slot.name()))) {
                    log.info("{} is down but still holds the leader key; waiting for failover before restarting it", slot.name());
                    continue;
                }
                processes.startDetached(List.of("patroni", config.toString()), dir, dir.resolve("patroni.out"),
                        dir.resolve("patroni.pid"));
            }
        }
        return reloaded;
    }

    /**
     * Whether the member's PostgreSQL runs but presents another certificate than the stored one (a renewal it has not
     * loaded yet, or a reload that was lost). I/O: a TLS handshake with the member.
     */
    private boolean presentsOtherCertificate(DesiredCluster desired, DesiredCluster.MemberSlot slot) {
        if (desired.tls() == null || findPostmaster(desired, slot).isEmpty()) {
            return false;
        }
        return !PresentedCertificate.fetchSerial(connectHost, slot.pgPort(), desired.tls().caCertificatePem(), PgBouncerPooler.PROBE_TIMEOUT)
                .equals(Optional.of(desired.tls().serial()));
    }

    Optional<ProcessHandle> find(DesiredCluster desired, DesiredCluster.MemberSlot slot) {
        Path dir = layout.memberDir(desired.id(), slot.ordinal());
        return processes.findRunning(dir.resolve("patroni.pid"), dir.resolve("patroni.yml").toString());
    }

    /** The PostgreSQL postmaster of a member, if one runs (it can outlive a killed Patroni). */
    Optional<ProcessHandle> findPostmaster(DesiredCluster desired, DesiredCluster.MemberSlot slot) {
        Path pgdata = layout.pgdata(desired.id(), slot.ordinal());
        return processes.findRunning(pgdata.resolve("postmaster.pid"), pgdata.toString());
    }

    /** Stops Patroni (which shuts PostgreSQL down), then any postmaster left behind. */
    void stopAll(DesiredCluster desired) {
        for (DesiredCluster.MemberSlot slot : desired.members()) {
            find(desired, slot).ifPresent(p -> processes.stop(p, Duration.ofSeconds(30)));
        }
        for (DesiredCluster.MemberSlot slot : desired.members()) {
            findPostmaster(desired, slot).ifPresent(p -> processes.stop(p, Duration.ofSeconds(30)));
        }
    }

    PatroniMember member(DesiredCluster desired, DesiredCluster.MemberSlot slot) {
        Path dir = layout.memberDir(desired.id(), slot.ordinal());
        return new PatroniMember(slot.name(), listenHost, connectHost, slot.pgPort(), slot.restPort(),
                layout.pgdata(desired.id(), slot.ordinal()).toString(),
                binDirOfVersion.apply(desired.spec().postgresMajorVersion()).toString(),
                layout.memberDataDir(desired.id(), slot.ordinal()).resolve("pgpass").toString(), dir.resolve("log").toString(),
                desired.tls() == null ? null : LocalTlsFiles.at(dir));
    }
}
