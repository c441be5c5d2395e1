package dev.pgfleet.provisioning;

import dev.pgfleet.blueprint.Dcs;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may touch which keys in etcd: {@code root} (the control plane, through {@link EtcdClient}) and, per
 * database scope, one user and one role of the same name ({@link Dcs#scopeUser}) that may read and write only
 * the scope's prefix. Every method is idempotent and safe to re-run; all do I/O.
 *
 * <p>The order matters when adopting an etcd that ran without authentication: root and the scopes' users can be
 * created while it is off (Patroni configured with credentials works either way: it sends none until etcd asks),
 * and {@link #enableAuthentication} comes last, once every Patroni has its credentials.
 */
public class EtcdAccess {
    /** A scope found in order is not checked again for this long (checking costs etcd a bcrypt). */
    private static final Duration RECHECK = Duration.ofMinutes(5);
    private static final String READWRITE = "READWRITE";

    private final EtcdClient etcd;
    private final Map<String, Checked> checked = new ConcurrentHashMap<>();

    private record Checked(String password, long atNanos) {
    }

    public EtcdAccess(EtcdClient etcd) {
        this.etcd = etcd;
    }

    /**
     * Whether etcd requires authentication now; throws when it does and refuses root's password (the password
     * file or Secret was replaced: etcd cannot be administered until it is restored).
     */
    public boolean authenticationEnabled() throws IOException, InterruptedException {
        try {
            return etcd.authenticate();
        } catch (EtcdClient.EtcdException e) {
            if (e.says("authentication failed")) {
                throw new IllegalStateException("etcd requires authentication and refuses the control plane's root password;"
                        + " restore the root password pgfleet created (nothing in etcd was changed)", e);
            }
            throw e;
        }
    }

    /** Root exists with the control plane's password and holds the root role (done while authentication is off). */
    public void ensureRoot(String rootPassword) throws IOException, InterruptedException {
        if (authenticationEnabled()) {
            return; // root authenticated with this password, so it exists and is etcd's root
        }
        addUser(EtcdClient.ROOT, rootPassword);
        addRole(EtcdClient.ROOT);
        etcd.call("/v3/auth/user/grant", Map.of("user", EtcdClient.ROOT, "role", EtcdClient.ROOT));
    }

    /** Turns etcd's authentication on; a no-op when it is on. {@link #ensureRoot} must have run. */
    public void enableAuthentication() throws IOException, InterruptedException {
        if (authenticationEnabled()) {
            return;
        }
        etcd.call("/v3/auth/enable", Map.of());
        etcd.forgetToken();
        checked.clear();
    }

    /**
     * The scope's user exists with {@code password}, and its role grants read-write on the scope's prefix only.
     * A password that changed (or a user someone altered) is set again.
     */
    public void ensureScope(Dcs dcs, String scope, String password) throws IOException, InterruptedException {
        String user = Dcs.scopeUser(scope);
        Checked last = checked.get(user);
        if (last != null && last.password().equals(password) && System.nanoTime() - last.atNanos() < RECHECK.toNanos()) {
            return;
        }
        if (!addUser(user, password) && !acceptsPassword(user, password)) {
            etcd.call("/v3/auth/user/changepw", Map.of("name", user, "password", password));
        }
        addRole(user);
        String prefix = dcs.scopePrefix(scope);
        etcd.call("/v3/auth/role/grant", Map.of("name", user, "perm", Map.of("permType", READWRITE,
                "key", EtcdClient.b64(prefix), "range_end", EtcdClient.b64(EtcdClient.prefixEnd(prefix)))));
        etcd.call("/v3/auth/user/grant", Map.of("user", user, "role", user));
        checked.put(user, new Checked(password, System.nanoTime()));
    }

    /** Removes the scope's user and role (after its keys are gone); missing ones are fine. */
    public void removeScope(String scope) throws IOException, InterruptedException {
        String user = Dcs.scopeUser(scope);
        checked.remove(user);
        ignoring("not found", () -> etcd.call("/v3/auth/user/delete", Map.of("name", user)));
        ignoring("not found", () -> etcd.call("/v3/auth/role/delete", Map.of("role", user)));
    }

    /** Whether a user exists (as root). */
    public boolean userExists(String user) throws IOException, InterruptedException {
        try {
            etcd.call("/v3/auth/user/get", Map.of("name", user));
            return true;
        } catch (EtcdClient.EtcdException e) {
            if (e.says("user name not found")) {
                return false;
            }
            throw e;
        }
    }

    /** Returns whether it was added (false: it existed). */
    private boolean addUser(String user, String password) throws IOException, InterruptedException {
        return ignoring("already exists", () -> etcd.call("/v3/auth/user/add", Map.of("name", user, "password", password)));
    }

    private void addRole(String role) throws IOException, InterruptedException {
        ignoring("already exists", () -> etcd.call("/v3/auth/role/add", Map.of("name", role)));
    }

    /** While authentication is off nothing can be verified: then the password is set again to be sure. */
    private boolean acceptsPassword(String user, String password) throws IOException, InterruptedException {
        try {
            return !Objects.requireNonNull(etcd.authenticate(user, password)).isEmpty();
        } catch (EtcdClient.EtcdException e) {
            if (e.says("authentication failed") || e.says("authentication is not enabled")) {
                return false;
            }
            throw e;
        }
    }

    private interface Call {
        void run() throws IOException, InterruptedException;
    }

    /** Runs the call; returns false instead of throwing when etcd's error contains {@code fragment}. */
    private static boolean ignoring(String fragment, Call call) throws IOException, InterruptedException {
        try {
            call.run();
            return true;
        } catch (EtcdClient.EtcdException e) {
            if (e.says(fragment)) {
                return false;
            }
            throw e;
        }
    }
}
