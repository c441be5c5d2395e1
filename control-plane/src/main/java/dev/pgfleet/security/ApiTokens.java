package dev.pgfleet.security;

import java.util.Optional;

/**
 * Resolves an API token to the caller it stands for. Security defines it and the tenant feature implements it
 * (tokens are stored with tenants), so that the filter chain depends on no feature.
 */
public interface ApiTokens {
    /** The caller this bearer token belongs to; empty for an unknown token. Reads the metadata store. */
    Optional<TenantPrincipal> authenticate(String token);
}
