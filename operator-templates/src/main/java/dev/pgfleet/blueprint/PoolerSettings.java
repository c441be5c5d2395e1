package dev.pgfleet.blueprint;

/**
 * Where one PgBouncer listens and where its files are.
 *
 * @param adminUser the role the control plane uses on PgBouncer's admin console (PAUSE, RESUME, RELOAD)
 * @param tls       the pooler's TLS files (client side: its certificate and key; server side: the CA it verifies members
 *                  with)
 */
public record PoolerSettings(String listenHost, int listenPort, String authFile, String logFile, String adminUser,
                             TlsFiles tls) {
}
