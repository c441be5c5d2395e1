package dev.pgfleet.blueprint;

/**
 * Where a data-plane process (PgBouncer, a PostgreSQL member) finds its database's TLS files, all PEM: the CA
 * certificate it verifies peers with, and the server certificate and private key it presents. Each runtime decides
 * the paths (a directory of the database locally, a mounted Secret on Kubernetes); the renderers only name them.
 */
public record TlsFiles(String caFile, String certificateFile, String keyFile) {
}
