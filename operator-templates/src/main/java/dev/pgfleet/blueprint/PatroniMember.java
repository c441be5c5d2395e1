package dev.pgfleet.blueprint;

/**
 * Where one Patroni member lives: its addresses and, for runtimes that run it as a process, its paths.
 *
 * @param listenHost  address PostgreSQL and the REST API bind to
 * @param connectHost address the other members and the control plane use to reach it
 * @param logDir      where Patroni writes its own log files; null for stderr (a container's log)
 * @param tls         the member's TLS files: the server certificate and key PostgreSQL presents, the CA it trusts
 */
public record PatroniMember(String name, String listenHost, String connectHost, int pgPort, int restPort,
                            String dataDir, String binDir, String pgpassFile, String logDir, TlsFiles tls) {
}
