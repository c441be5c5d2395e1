#!/usr/bin/env bash
# bench/pooler.sh: what pgfleet's front door costs and gives. Run it as `./pgfleet bench pooler [options]`
# (`--help` lists them; `--quick` is a smoke run of a few seconds that leaves docs/benchmarks.md alone).
#
# It provisions one `ha` database (3 Patroni members, PgBouncer in transaction mode) through the API and
# takes the connection URIs from GET /api/v1/databases/{id}/credentials, as a tenant would, then measures:
#
#   1. pgbench select-only and the built-in TPC-B-like script: CLIENTS (2,000) clients through the pooler,
#      in simple and in prepared (-M prepared) query mode, next to the best of DIRECT_CLIENTS (10/20/50)
#      clients connected straight to the leader (the directUri, target_session_attrs=read-write);
#   2. a vector top-10 query (HNSW, VECTOR_ROWS x VECTOR_DIM rows) with VECTOR_CLIENTS clients: QPS and p95
#      latency through the read-only endpoint (readOnlyUri; skipped, and said so, while the API has none)
#      next to the leader alone through the main pooler.
#
# Each figure is the median of RUNS runs; the runs of one workload alternate between the endpoints. Errors
# are pgbench's failed transactions, its aborted clients and its exit code: all must be 0. TPS excludes
# connection set-up time (pgbench reports it so; -C is not used). URIs are used as the API gives them
# (sslmode and all), passwords through PGPASSWORD, never on a command line; where the API serves the
# database's CA certificate (GET .../ca.crt) it is PGSSLROOTCERT.
#
# Everything runs under a fresh PGFLEET_HOME in /tmp with its own control plane and port block; an EXIT trap
# stops what it started (by PID, after checking the command line) and removes the home.
# shellcheck disable=SC2119
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/control-plane/target/pgfleet-control-plane.jar"
DOC="$ROOT/docs/benchmarks.md"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

DB_NAME=bench
PROVISION_TIMEOUT=300
STARTUP_TIMEOUT=300     # for start_control_plane: Spring starts slowly while the smoke shares the machine
SEED=42                 # pgbench --random-seed and setseed() for the vectors: every run asks the same
QUICK=0
WRITE_DOC=1
WAIT_FOR_QUIET=1        # before each run, wait until no test suite runs on the machine (--quick: only note it)
TARGET_POOLER_RATIO=0.8 # pooler / direct TPS
TARGET_READ_ONLY_RATIO=1.8

# Settings: defaults (full or --quick), then BENCH_POOLER_* environment variables, then flags.
set_defaults() {
  if [ "$QUICK" -eq 1 ]; then
    RUNS=1; DURATION=5; WARMUP=2; SCALE=1; CLIENTS=100; DIRECT_CLIENTS="4 8"
    VECTOR_ROWS=5000; VECTOR_CLIENTS=4
  else
    RUNS=3; DURATION=60; WARMUP=15; SCALE=50; CLIENTS=2000; DIRECT_CLIENTS="10 20 50"
    VECTOR_ROWS=100000; VECTOR_CLIENTS=32
  fi
  WORKLOADS="select-only tpcb-like"; VECTOR=1; PREPARED_TPCB=pipelined
  THREADS="$(nproc)"; VECTOR_DIM=128; HNSW_M=16; HNSW_EF_CONSTRUCTION=64; QUERY_VECTORS=1000
}

# name of the setting, name of the variable
SETTINGS=(WORKLOADS VECTOR PREPARED_TPCB RUNS DURATION WARMUP SCALE CLIENTS DIRECT_CLIENTS THREADS VECTOR_ROWS VECTOR_CLIENTS VECTOR_DIM
          HNSW_M HNSW_EF_CONSTRUCTION QUERY_VECTORS)

usage() {
  cat <<'EOF'
usage: ./pgfleet bench pooler [--quick] [--no-doc] [--no-wait] [--SETTING VALUE ...]

Provisions an ha database and compares pgbench through its PgBouncer with direct connections to the leader,
then a vector top-10 query through the read-only endpoint with the leader alone. Writes the "Pooler" section
of docs/benchmarks.md, except with --quick (a smoke run of seconds) or --no-doc. Before each run it waits
until no test suite (a surefire JVM) runs on the machine, except with --quick or --no-wait
(BENCH_POOLER_WAIT_FOR_QUIET=0), where such runs are only marked as disturbed.

Settings (flag, or environment variable BENCH_POOLER_<NAME>; default, and --quick's):
  --workloads "A B"          pgbench's built-in scripts to run ("select-only tpcb-like")
  --vector 0|1               whether to run the vector part (1)
  --prepared-tpcb pipelined|threaded|builtin
                             tpcb-like with -M prepared: the built-in statements inside \startpipeline ...
                             \endpipeline (pipelined), the built-in script with one pgbench thread per client
                             (threaded), or the built-in script as is, which stalls pgbench itself through a
                             pooler with many clients per thread (see prepared_tpcb_script)
  --runs N                   runs per endpoint and workload, medians reported (3; quick 1)
  --duration S               seconds per pgbench run (60; quick 5)
  --warmup S                 untimed select-only run through the direct endpoint first (15; quick 2)
  --scale N                  pgbench scale factor, initialised through the direct endpoint (50; quick 1)
  --clients N                clients through the pooler (2000; quick 100)
  --direct-clients "A B C"   client counts straight to the leader, the best one counts ("10 20 50"; quick "4 8")
  --threads N                pgbench threads (-j), at most the clients (nproc)
  --vector-rows N            rows of the vector table (100000; quick 5000)
  --vector-dim N             their dimensions (128)
  --vector-clients N         clients of the vector query (32; quick 4)
  --hnsw-m N                 HNSW m (16, pgvector's default)
  --hnsw-ef-construction N   HNSW ef_construction (64, pgvector's default)
  --query-vectors N          distinct random query vectors the script picks from (1000)
EOF
}

# --SETTING-NAME -> SETTING_NAME
setting_of_flag() { local f="${1#--}"; f="${f//-/_}"; echo "${f^^}"; }

known_setting() { local s; for s in "${SETTINGS[@]}"; do [ "$s" != "$1" ] || return 0; done; return 1; }

validate_setting() {
  local name="$1" value="$2" n
  if [ "$name" = WORKLOADS ]; then
    for n in $value; do
      [[ " select-only tpcb-like " == *" $n "* ]] || die "WORKLOADS: '$n' is not one of select-only, tpcb-like"
    done
  elif [ "$name" = PREPARED_TPCB ]; then
    [[ "$value" =~ ^(pipelined|threaded|builtin)$ ]] || die "PREPARED_TPCB must be pipelined, threaded or builtin, got '$value'"
  elif [ "$name" = VECTOR ]; then
    [[ "$value" =~ ^[01]$ ]] || die "VECTOR must be 0 or 1, got '$value'"
  elif [ "$name" = DIRECT_CLIENTS ]; then
    [ -n "${value// /}" ] || die "DIRECT_CLIENTS needs at least one client count"
    for n in $value; do positive_integer DIRECT_CLIENTS "$n" >/dev/null; done
  else
    positive_integer "$name" "$value" >/dev/null
  fi
}

parse_args() {
  local arg name
  for arg in "$@"; do [ "$arg" != --quick ] || QUICK=1; done
  if [ "$QUICK" -eq 1 ]; then WRITE_DOC=0; WAIT_FOR_QUIET=0; fi
  case "${BENCH_POOLER_WAIT_FOR_QUIET:-}" in
    "") ;;
    0|1) WAIT_FOR_QUIET="$BENCH_POOLER_WAIT_FOR_QUIET" ;;
    *) die "BENCH_POOLER_WAIT_FOR_QUIET must be 0 or 1, got '$BENCH_POOLER_WAIT_FOR_QUIET'" ;;
  esac
  set_defaults
  for name in "${SETTINGS[@]}"; do
    local env="BENCH_POOLER_$name"
    if [ -n "${!env:-}" ]; then printf -v "$name" '%s' "${!env}"; fi
  done
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --quick) shift ;;
      --no-doc) WRITE_DOC=0; shift ;;
      --no-wait) WAIT_FOR_QUIET=0; shift ;;
      -h|--help) usage; exit 0 ;;
      --*=*) name="$(setting_of_flag "${1%%=*}")"
        known_setting "$name" || { usage >&2; die "unknown argument: $1"; }
        printf -v "$name" '%s' "${1#*=}"; shift ;;
      --*) name="$(setting_of_flag "$1")"
        known_setting "$name" || { usage >&2; die "unknown argument: $1"; }
        [ "$#" -ge 2 ] || die "$1 needs a value"
        printf -v "$name" '%s' "$2"; shift 2 ;;
      *) usage >&2; die "unknown argument: $1" ;;
    esac
  done
  for name in "${SETTINGS[@]}"; do validate_setting "$name" "${!name}"; done
}

check_prerequisites() {
  local cmd
  for cmd in java patroni etcd pgbouncer pgbench psql curl jq ss python3 pgrep prlimit; do
    command -v "$cmd" >/dev/null || die "$cmd is missing (./pgfleet bench pooler installs the components)"
  done
  [ -f "$JAR" ] || die "$JAR is missing; build it: ./mvnw -q -B -DskipTests package"
}

# ---- file descriptors ------------------------------------------------------------------------------

# pgbench holds one socket per client; PgBouncer one per client and per server connection. Both inherit
# this shell's limit (PgBouncer through the control plane's JVM, which also raises its soft limit to the
# hard one), so the soft limit is raised here, within the hard one, before anything starts.
FD_NEEDED=0
raise_fd_limit() {
  local biggest=$CLIENTS n hard
  for n in $DIRECT_CLIENTS "$VECTOR_CLIENTS"; do [ "$n" -le "$biggest" ] || biggest=$n; done
  FD_NEEDED=$((biggest + 256))
  hard="$(ulimit -Hn)"
  if [ "$hard" != unlimited ] && [ "$hard" -lt "$FD_NEEDED" ]; then
    die "the hard limit on open files is $hard; $biggest clients need about $FD_NEEDED (raise it, e.g. in /etc/security/limits.conf)"
  fi
  if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$FD_NEEDED" ]; then ulimit -Sn "$FD_NEEDED"; fi
  say "open-file limit for pgbench and the control plane: $(ulimit -Sn) (hard $hard)"
}

# ---- the database -----------------------------------------------------------------------------------

DB_ID=""; BIN_DIR=""; PG_PASSWORD=""
POOLER_URI=""; DIRECT_URI=""; READ_ONLY_URI=""
CA_FILE=""              # the database's CA certificate, when the API serves one
LEADER_HOST=""; LEADER_PORT=""

# A URI without its password (it goes to PGPASSWORD instead); everything else stays as the API gave it.
without_password() { sed -E 's#^(postgres(ql)?://[^:@/]*):[^@/]*@#\1@#' <<< "$1"; }

create_database() {
  local deadline status
  create_ha_database
  LEADER_HOST="$(api_body | jq -r '[.members[] | select(.role == "leader")][0].host')"
  LEADER_PORT="$(api_body | jq -r '[.members[] | select(.role == "leader")][0].port')"
  [ "$LEADER_PORT" != null ] || die "the database view names no leader: $(api_body)"

  deadline="$(deadline_in 30)"
  until [ "$(api GET "/api/v1/databases/$DB_ID/credentials" "$TENANT_TOKEN")" = 200 ]; do
    ! past "$deadline" || die "no credentials for database $DB_ID: $(api_body)"
    sleep 0.2
  done
  PG_PASSWORD="$(api_body | jq -r .password)"
  POOLER_URI="$(without_password "$(api_body | jq -r '.poolerUri // ""')")"
  DIRECT_URI="$(without_password "$(api_body | jq -r '.directUri // ""')")"
  READ_ONLY_URI="$(without_password "$(api_body | jq -r '.readOnlyUri // ""')")"
  if [ -z "$POOLER_URI" ] || [ -z "$DIRECT_URI" ]; then
    die "the credentials lack poolerUri or directUri: $(api_body | jq -c 'del(.password)')"
  fi

  # TLS: the CA the URIs' sslmode=verify-full checks the servers against, where the API has one.
  status="$(api GET "/api/v1/databases/$DB_ID/ca.crt" "$TENANT_TOKEN")"
  if [ "$status" = 200 ] && grep -q 'BEGIN CERTIFICATE' "$PRIVATE/api-body.json"; then
    CA_FILE="$PRIVATE/ca.crt"
    cp "$PRIVATE/api-body.json" "$CA_FILE"
    say "TLS: the database's CA certificate is PGSSLROOTCERT"
  else
    say "TLS: GET .../ca.crt answered $status; the URIs are used as given (sslmode: $(uri_sslmode "$POOLER_URI"))"
  fi

  local config="$BENCH_HOME/databases/$DB_ID/members/0/patroni.yml"
  [ -f "$config" ] || die "no $config"
  BIN_DIR="$(yaml_value "$config" postgresql.bin_dir)"
  say "database $DB_ID is READY; leader at $LEADER_HOST:$LEADER_PORT; read-only endpoint: ${READ_ONLY_URI:-none in the API}"
}

uri_sslmode() { local m; m="$(sed -nE 's/.*[?&]sslmode=([a-z-]+).*/\1/p' <<< "$1")"; echo "${m:-unset (libpq: prefer)}"; }

# libpq's environment for every client the benchmark starts.
client_env() {
  local vars=(PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=60 PGAPPNAME=pgfleet-bench)
  if [ -n "$CA_FILE" ]; then vars+=(PGSSLROOTCERT="$CA_FILE"); fi
  env "${vars[@]}" "$@"
}

# psql on a URI as the owner.
psql_on() { local uri="$1"; shift; client_env psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$uri" "$@"; }

# ---- the pooler as the runtime started it ----------------------------------------------------------

POOL_SIZE=""; RESERVE_POOL=""; MAX_DB_CONNECTIONS=""; MAX_CLIENT_CONN=""; MAX_PREPARED=""; POOLER_FD_LIMIT=""

ini_value() { sed -nE "s/^$2 = (.*)$/\1/p" "$1" | head -n1; }

# What pgbouncer.ini gives the ha plan (PoolerSizing), and PgBouncer's open-file limit as it runs: the
# 2,000 clients must fit under both, or the benchmark would measure refused connections.
read_pooler_settings() {
  local dir="$BENCH_HOME/databases/$DB_ID/pooler" pid
  POOL_SIZE="$(ini_value "$dir/pgbouncer.ini" default_pool_size)"
  RESERVE_POOL="$(ini_value "$dir/pgbouncer.ini" reserve_pool_size)"
  MAX_DB_CONNECTIONS="$(ini_value "$dir/pgbouncer.ini" max_db_connections)"
  MAX_CLIENT_CONN="$(ini_value "$dir/pgbouncer.ini" max_client_conn)"
  MAX_PREPARED="$(ini_value "$dir/pgbouncer.ini" max_prepared_statements)"
  pid="$(head -n1 "$dir/pgbouncer.pid" | tr -dc '0-9')"
  POOLER_FD_LIMIT="$(sed -nE 's/^Max open files +([0-9]+|unlimited) .*/\1/p' "/proc/$pid/limits")"
  say "pooler: default_pool_size $POOL_SIZE, reserve_pool_size $RESERVE_POOL, max_db_connections $MAX_DB_CONNECTIONS," \
      "max_client_conn $MAX_CLIENT_CONN, max_prepared_statements ${MAX_PREPARED:-unset}; PgBouncer's open-file limit $POOLER_FD_LIMIT"
  [ "$MAX_CLIENT_CONN" -gt "$CLIENTS" ] \
    || die "the ha plan's PgBouncer accepts $MAX_CLIENT_CONN clients (max_client_conn), not $CLIENTS and the control plane's own sessions"
  [ "$POOLER_FD_LIMIT" = unlimited ] || [ "$POOLER_FD_LIMIT" -ge $((CLIENTS + MAX_DB_CONNECTIONS + 16)) ] \
    || die "PgBouncer runs with an open-file limit of $POOLER_FD_LIMIT, too few for $CLIENTS clients"
}

# ---- pgbench ----------------------------------------------------------------------------------------

threads_for() { if [ "$1" -lt "$THREADS" ]; then echo "$1"; else echo "$THREADS"; fi; }

# The last run's figures (R_*), parsed from pgbench's report; the output stays in $PRIVATE/<name>.out/.err.
R_TPS=""; R_EMPTY=0; R_FAILED=0; R_ABORTED=0; R_RC=0; R_CONNECT_MS=""; R_DISTURBED=0; R_DONE=""
run_pgbench() {
  local name="$1" uri="$2" clients="$3"
  shift 3
  local out="$PRIVATE/$name.out" err="$PRIVATE/$name.err"
  if [ "$WAIT_FOR_QUIET" -eq 1 ]; then wait_until_quiet; fi
  R_RC=0
  client_env pgbench -n -T "$DURATION" -c "$clients" -j "${RUN_THREADS:-$(threads_for "$clients")}" --random-seed="$SEED" "$@" "$uri" \
    >"$out" 2>"$err" || R_RC=$?
  R_DISTURBED=0
  if test_suite_running; then R_DISTURBED=1; fi
  R_TPS="$(sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)$/\1/p' "$out")"
  R_FAILED="$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$out")"
  R_CONNECT_MS="$(sed -nE 's/^initial connection time = ([0-9.]+) ms$/\1/p' "$out")"
  R_DONE="$(sed -nE 's/^number of transactions actually processed: ([0-9/]+)$/\1/p' "$out")"
  R_ABORTED="$(grep -cE 'client [0-9]+ aborted' "$err" || true)"
  : "${R_TPS:=0}" "${R_FAILED:=0}"
  # A run without one transaction (pgbench still exits 0 when no client got a transaction in) measures nothing.
  R_EMPTY=0
  if [ "${R_DONE%%/*}" = "" ] || [ "${R_DONE%%/*}" = 0 ]; then
    R_EMPTY=1
    say "  $name: no transaction completed; pgbench's report:"
    cat "$out" >&2
    tail -n 5 "$err" >&2 || true
  fi
  R_TPS="$(stats fmt 1 "$R_TPS")"
  if [ "$R_RC" -ne 0 ] || [ "$R_FAILED" -ne 0 ] || [ "$R_ABORTED" -ne 0 ]; then
    say "  $name: exit code $R_RC, $R_FAILED failed transactions, $R_ABORTED aborted clients; pgbench said:"
    grep -vE '^pgbench: (client [0-9]+ )?(receiving|sending|executing)' "$err" | head -n 5 >&2 || true
  fi
}

# Per cell (workload|endpoint), space-separated per-run values.
declare -A TPS_RUNS=() ERRORS=() CONNECT_RUNS=() DISTURBED=()
record() {
  local cell="$1" errors=$((R_FAILED + R_ABORTED + (R_RC != 0 ? 1 : 0) + R_EMPTY))
  TPS_RUNS[$cell]="${TPS_RUNS[$cell]:-} $R_TPS"
  CONNECT_RUNS[$cell]="${CONNECT_RUNS[$cell]:-} ${R_CONNECT_MS:-0}"
  ERRORS[$cell]=$(( ${ERRORS[$cell]:-0} + errors ))
  if [ "$R_DISTURBED" = 1 ]; then DISTURBED[$cell]=1; fi
  say "  $cell: $R_TPS tps (connections took ${R_CONNECT_MS:-?} ms; $R_DONE transactions), exit $R_RC, failed $R_FAILED, aborted clients $R_ABORTED"
}

# How many pooled server connections the leader sees while the pooler is loaded: sampled once a second
# through the direct endpoint (the sampler's own session not counted); the most seen is reported.
SAMPLER_PID=""
start_server_connection_sampler() {
  local file="$1"
  : > "$file"
  (
    while :; do
      client_env psql -X -q -A -t -d "$DIRECT_URI" -c \
        "select count(*) from pg_stat_activity where usename = current_user and backend_type = 'client backend' and pid <> pg_backend_pid()" \
        >> "$file" 2>/dev/null || true
      sleep 1
    done
  ) &
  SAMPLER_PID=$!
}

stop_server_connection_sampler() {
  if [ -n "$SAMPLER_PID" ]; then
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
  fi
}

declare -A SERVER_CONNECTIONS=()   # workload -> the most pooled server connections seen on the leader

# pgbench's tables, initialised on the leader (direct endpoint) with server-side data generation.
init_pgbench() {
  local t0
  say "pgbench -i at scale $SCALE through the direct endpoint"
  t0="$(now)"
  client_env pgbench -i -q -s "$SCALE" -I dtGvp "$DIRECT_URI" >"$PRIVATE/init.out" 2>&1 \
    || { cat "$PRIVATE/init.out" >&2; die "pgbench -i failed"; }
  say "initialised in $(seconds_between "$t0" "$(now)") s"
}

# pgbench (15) prepares a statement with a blocking PQprepare() the first time each client runs it, which
# stops every client of that pgbench thread until the pooler gives the Parse a server connection. With more
# clients per thread than server connections, the built-in tpcb-like script then deadlocks inside pgbench:
# the clients holding all pooled connections sit in open transactions on the blocked thread, so nothing is
# ever released (seen here: a few dozen transactions, then PgBouncer's query_wait_timeout). A driver whose
# connections do not share one blocked event loop never gets there. So the prepared run sends each
# transaction as one pipeline (the built-in statements between \startpipeline and \endpipeline): all of a
# client's statements are prepared before its BEGIN, and a transaction never waits on pgbench while it holds
# a server connection. Select-only holds no transaction open and runs the built-in script in both modes.
PIPELINED_TPCB=""
prepared_tpcb_script() {
  PIPELINED_TPCB="$PRIVATE/tpcb-like-pipelined.sql"
  pgbench --show-script=tpcb-like 2>&1 | sed -n '2,$p' \
    | sed -e 's/^BEGIN;$/\\startpipeline\n&/' -e 's/^END;$/&\n\\endpipeline/' > "$PIPELINED_TPCB"
  if ! grep -qx '\\startpipeline' "$PIPELINED_TPCB" || ! grep -qx '\\endpipeline' "$PIPELINED_TPCB"; then
    die "pgbench's tpcb-like script has no BEGIN; / END; lines to put in a pipeline: $(cat "$PIPELINED_TPCB")"
  fi
}

# The script arguments of a workload in a query mode.
script_args() {
  local workload="$1" mode="$2"
  if [ "$workload" = tpcb-like ] && [ "$mode" = prepared ] && [ "$PREPARED_TPCB" = pipelined ]; then
    echo "-f $PIPELINED_TPCB -s $SCALE"
  else
    echo "-b $workload"
  fi
}

# One workload: RUNS rounds, each round every direct client count, then the pooler in simple and in prepared
# mode (alternating keeps a slow minute of the machine from landing on one endpoint only).
bench_workload() {
  local workload="$1" run n mode sample_file
  say "workload $workload: $RUNS round(s) of ${DURATION}s runs"
  for ((run = 1; run <= RUNS; run++)); do
    for n in $DIRECT_CLIENTS; do
      run_pgbench "$workload-direct-$n-$run" "$DIRECT_URI" "$n" -b "$workload"
      record "$workload|direct-$n"
    done
    for mode in simple prepared; do
      sample_file="$PRIVATE/$workload-pooler-$mode-$run.sample"
      start_server_connection_sampler "$sample_file"
      # threaded: the built-in script with one pgbench thread per client, so a blocking PQprepare stops only its
      # own client (see prepared_tpcb_script).
      RUN_THREADS=""
      if [ "$workload" = tpcb-like ] && [ "$mode" = prepared ] && [ "$PREPARED_TPCB" = threaded ]; then RUN_THREADS="$CLIENTS"; fi
      # shellcheck disable=SC2046 # split on purpose: options and a path under PRIVATE (no spaces, no globs)
      run_pgbench "$workload-pooler-$mode-$run" "$POOLER_URI" "$CLIENTS" $(script_args "$workload" "$mode") -M "$mode"
      RUN_THREADS=""
      stop_server_connection_sampler
      record "$workload|pooler-$mode"
      n="$(sort -n "$sample_file" | tail -n1)"
      if [ -n "$n" ] && [ "$n" -gt "${SERVER_CONNECTIONS[$workload]:-0}" ]; then SERVER_CONNECTIONS[$workload]="$n"; fi
    done
  done
}

# ---- the vector query -------------------------------------------------------------------------------

# VECTOR_ROWS random vectors and QUERY_VECTORS query vectors, from setseed(): the same rows on every run of
# the benchmark (one session, one statement each, no parallel plan: random() is drawn in a fixed order).
# The subquery refers to the outer row (g > 0), so it is evaluated per row.
load_vectors() {
  local t0 vector="(select array_agg(random()::real) from generate_series(1, $VECTOR_DIM) where g > 0)::vector($VECTOR_DIM)"
  say "loading $VECTOR_ROWS x $VECTOR_DIM vectors (seed $SEED) and an HNSW index (m $HNSW_M, ef_construction $HNSW_EF_CONSTRUCTION)"
  t0="$(now)"
  psql_on "$DIRECT_URI" <<SQL
set client_min_messages = warning;
create extension if not exists vector;
drop table if exists items, query_vectors;
create table items (id bigint primary key, embedding vector($VECTOR_DIM) not null);
create table query_vectors (id int primary key, embedding vector($VECTOR_DIM) not null);
set max_parallel_workers_per_gather = 0;
select setseed($SEED / 100.0);
insert into items select g, $vector from generate_series(1, $VECTOR_ROWS) g;
insert into query_vectors select g, $vector from generate_series(1, $QUERY_VECTORS) g;
create index items_embedding_hnsw on items using hnsw (embedding vector_l2_ops) with (m = $HNSW_M, ef_construction = $HNSW_EF_CONSTRUCTION);
vacuum analyze items, query_vectors;
SQL
  VECTOR_LOAD_SECONDS="$(seconds_between "$t0" "$(now)")"
  say "loaded and indexed in $VECTOR_LOAD_SECONDS s"
}

VECTOR_LOAD_SECONDS=""
VECTOR_SCRIPT=""

# The pgbench script: a query vector picked at random (pgbench's seeded generator) from query_vectors,
# the 10 nearest rows by L2 distance. The uncorrelated subquery is computed once per query (an InitPlan),
# so the planner can order by the HNSW index; checked with EXPLAIN below.
write_vector_script() {
  VECTOR_SCRIPT="$PRIVATE/vector-top10.sql"
  cat > "$VECTOR_SCRIPT" <<SQL
\\set q random(1, $QUERY_VECTORS)
select id from items order by embedding <-> (select embedding from query_vectors where id = :q) limit 10;
SQL
  local plan
  plan="$(psql_on "$DIRECT_URI" -c "explain select id from items order by embedding <-> (select embedding from query_vectors where id = 1) limit 10")"
  grep -q 'Index Scan using items_embedding_hnsw' <<< "$plan" || die "the top-10 query does not use the HNSW index: $plan"
}

# Every replica has replayed the load (so the read-only endpoint's replicas answer from the same rows and
# index): its replay position reaches the leader's WAL position taken after the load, asked of each member
# directly (the API's lag figure is refreshed periodically, so it could still show the state before the load).
wait_for_replicas() {
  local lsn deadline member host port
  lsn="$(psql_on "$DIRECT_URI" -c 'select pg_current_wal_lsn()')"
  [ "$(api GET "/api/v1/databases/$DB_ID" "$TENANT_TOKEN")" = 200 ] || die "GET the database answered non-200: $(api_body)"
  api_body | jq -r '.members[] | select(.role != "leader") | "\(.name) \(.host) \(.port)"' > "$PRIVATE/replicas"
  deadline="$(deadline_in 300)"
  while read -r member host port; do
    until [ "$(psql_on "postgresql://$(uri_user)@$host:$port/$DB_NAME$(uri_query "$DIRECT_URI" | sed 's/target_session_attrs=read-write&\{0,1\}//; s/[?&]$//')" \
                -c "select pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn" 2>/dev/null)" = t ]; do
      ! past "$deadline" || die "replica $member ($host:$port) had not replayed up to $lsn within 300 s"
      sleep 1
    done
    say "replica $member has replayed the load (up to $lsn)"
  done < "$PRIVATE/replicas"
}

# The user part and the query part (with its '?', or nothing) of a URI.
uri_user() { sed -E 's#^postgres(ql)?://([^@]*)@.*#\2#' <<< "$DIRECT_URI"; }
uri_query() { sed -nE 's#^[^?]*(\?.*)$#\1#p' <<< "$1"; }

# Per run, the p95 of the per-transaction latencies pgbench logged (--log: the third field, in µs),
# nearest-rank, in ms.
R_P95=""
run_vector() {
  local name="$1" uri="$2" logdir="$PRIVATE/$1.log.d"
  mkdir -p "$logdir"
  run_pgbench "$name" "$uri" "$VECTOR_CLIENTS" -f "$VECTOR_SCRIPT" --log --log-prefix="$logdir/tx"
  R_P95="$(stats column-percentile 95 3 1000 2 "$logdir"/tx.*)"
  rm -rf "$logdir"
}

declare -A P95_RUNS=()
VECTOR_READ_ONLY_SERVED_BY=""   # what pg_is_in_recovery() says through the read-only endpoint

# "1× the leader, 3× a replica" from pg_is_in_recovery() answers (f/t), one a line.
served_by() {
  local leader replica out=()
  leader="$(grep -cx f <<< "$1" || true)"
  replica="$(grep -cx t <<< "$1" || true)"
  [ "$leader" -eq 0 ] || out+=("$leader× the leader")
  [ "$replica" -eq 0 ] || out+=("$replica× a replica")
  local IFS=,
  sed 's/,/, /g' <<< "${out[*]}"
}

bench_vector() {
  local run
  load_vectors
  write_vector_script
  wait_for_replicas
  local endpoints=(leader-pooler)
  if [ -n "$READ_ONLY_URI" ]; then
    endpoints+=(read-only)
    VECTOR_READ_ONLY_SERVED_BY="$(served_by "$(for _ in 1 2 3 4; do psql_on "$READ_ONLY_URI" -c 'select pg_is_in_recovery()'; done)")"
    say "the read-only endpoint served 4 sessions from: $VECTOR_READ_ONLY_SERVED_BY"
  else
    say "the API gives no readOnlyUri (the read-only endpoint is not in this build): the read-only part is skipped"
  fi
  say "vector top-10: $RUNS round(s) of ${DURATION}s, $VECTOR_CLIENTS clients"
  for ((run = 1; run <= RUNS; run++)); do
    local e uri
    for e in "${endpoints[@]}"; do
      if [ "$e" = read-only ]; then uri="$READ_ONLY_URI"; else uri="$POOLER_URI"; fi
      run_vector "vector-$e-$run" "$uri"
      record "vector|$e"
      P95_RUNS["vector|$e"]="${P95_RUNS["vector|$e"]:-} $R_P95"
      say "    p95 $R_P95 ms"
    done
  done
}

# ---- results ----------------------------------------------------------------------------------------

median_of() { local v; read -r -a v <<< "$1"; median_with "$2" "${v[@]}"; }
runs_list() { sed -E 's/^ +//; s/ +/, /g' <<< "$1"; }

# The direct client count whose median TPS is highest, for a workload.
BEST_DIRECT=""
best_direct() {
  local workload="$1" n best="" best_tps=0 m cell
  for n in $DIRECT_CLIENTS; do
    cell="$workload|direct-$n"
    m="$(median_of "${TPS_RUNS[$cell]}" 1)"
    if [ -z "$best" ] || ! at_most "$m" "$best_tps"; then best="$n"; best_tps="$m"; fi
  done
  BEST_DIRECT="$best"
}

pipelined_mark() {
  if [ "$(script_args "$1" "$2")" != "-b $1" ]; then echo ", pipelined"; fi
  if [ "$1" = tpcb-like ] && [ "$2" = prepared ] && [ "$PREPARED_TPCB" = threaded ]; then echo ", one thread per client"; fi
}

errors_cell() { local e="${ERRORS[$1]:-0}"; if [ "$e" -eq 0 ]; then echo 0; else echo "**$e**"; fi; }

results_markdown() {
  local w n mode cell best_cell ratio_simple ratio_prepared total_errors=0
  echo "| Workload | Endpoint | Clients | Median TPS | Runs (TPS) | Median connection set-up (ms) | Errors |"
  echo "|----------|----------|--------:|-----------:|------------|------------------------------:|-------:|"
  for w in $WORKLOADS; do
    for n in $DIRECT_CLIENTS; do
      cell="$w|direct-$n"
      echo "| $w | direct to the leader | $n | $(median_of "${TPS_RUNS[$cell]}" 1) | $(runs_list "${TPS_RUNS[$cell]}") | $(median_of "${CONNECT_RUNS[$cell]}" 1) | $(errors_cell "$cell") |"
    done
    for mode in simple prepared; do
      cell="$w|pooler-$mode"
      echo "| $w | pooler, \`-M $mode\`$(pipelined_mark "$w" "$mode") | $CLIENTS | $(median_of "${TPS_RUNS[$cell]}" 1) | $(runs_list "${TPS_RUNS[$cell]}") | $(median_of "${CONNECT_RUNS[$cell]}" 1) | $(errors_cell "$cell") |"
    done
  done
  echo
  echo "Targets (pooler / best direct, medians; errors = failed transactions + aborted clients + non-zero exit codes + runs without a transaction):"
  echo
  for w in $WORKLOADS; do
    best_direct "$w"
    best_cell="$w|direct-$BEST_DIRECT"
    cell="$w|pooler-simple"
    ratio_simple="$(ratio "$(median_of "${TPS_RUNS[$cell]}" 3)" "$(median_of "${TPS_RUNS[$best_cell]}" 3)")"
    cell="$w|pooler-prepared"
    ratio_prepared="$(ratio "$(median_of "${TPS_RUNS[$cell]}" 3)" "$(median_of "${TPS_RUNS[$best_cell]}" 3)")"
    echo "- $w: pooler ($CLIENTS clients) / direct peak ($BEST_DIRECT clients) = **$ratio_simple** (target ≥ $TARGET_POOLER_RATIO: $(at_least_verdict "$ratio_simple" "$TARGET_POOLER_RATIO")); with \`-M prepared\` $ratio_prepared; the leader saw at most ${SERVER_CONNECTIONS[$w]:-?} pooled server connections."
  done
  for cell in "${!ERRORS[@]}"; do
    case "$cell" in vector*) ;; *) total_errors=$((total_errors + ${ERRORS[$cell]})) ;; esac
  done
  echo "- Errors in all pgbench runs above (simple and \`-M prepared\`): $total_errors (target 0: $(if [ "$total_errors" -eq 0 ]; then echo met; else echo "**NOT met**"; fi))."
  if [ "$VECTOR" -eq 1 ]; then vector_results_markdown; fi
  local disturbed=()
  if [ "${#DISTURBED[@]}" -gt 0 ]; then mapfile -t disturbed < <(printf '%s\n' "${!DISTURBED[@]}" | sort); fi
  if [ "${#disturbed[@]}" -gt 0 ]; then
    echo "- **Disturbed**: a test suite ran on the machine during runs of $(printf '%s, ' "${disturbed[@]}" | sed 's/, $//'); their figures may be skewed."
  fi
}

vector_results_markdown() {
  local cell
  echo
  echo "| Vector top-10 ($VECTOR_CLIENTS clients) | Median QPS | Runs (QPS) | Median p95 (ms) | Runs (p95, ms) | Errors |"
  echo "|------------------------------|-----------:|------------|----------------:|----------------|-------:|"
  for cell in "vector|leader-pooler" "vector|read-only"; do
    [ -n "${TPS_RUNS[$cell]:-}" ] || continue
    local label="the leader alone (main pooler)"
    [ "$cell" = "vector|leader-pooler" ] || label="read-only endpoint"
    echo "| $label | $(median_of "${TPS_RUNS[$cell]}" 1) | $(runs_list "${TPS_RUNS[$cell]}") | $(median_of "${P95_RUNS[$cell]}" 2) | $(runs_list "${P95_RUNS[$cell]}") | $(errors_cell "$cell") |"
  done
  echo
  if [ -n "${TPS_RUNS[vector|read-only]:-}" ]; then
    local r
    r="$(ratio "$(median_of "${TPS_RUNS[vector|read-only]}" 3)" "$(median_of "${TPS_RUNS[vector|leader-pooler]}" 3)")"
    echo "- Read-only endpoint / leader alone, QPS: **$r** (target ≥ $TARGET_READ_ONLY_RATIO with three members: $(at_least_verdict "$r" "$TARGET_READ_ONLY_RATIO")); its sessions were served by ${VECTOR_READ_ONLY_SERVED_BY:-?}."
  else
    echo "- Read-only endpoint: **not measured**: the control plane under test gives no \`readOnlyUri\` in GET …/credentials."
  fi
}

pooler_section() {
  cat <<EOF
## Pooler (\`./pgfleet bench pooler\`)

$(machine_markdown "pgbench on the same machine as the database")
$(data_plane_versions_markdown "$BIN_DIR"), pgbench $(pgbench --version | cut -d' ' -f3), pgvector $(psql_on "$DIRECT_URI" -c "select extversion from pg_extension where extname = 'vector'")

$(method_markdown)

$(results_markdown)
$(trial_note)
EOF
}

method_markdown() {
  cat <<EOF
The database: one \`ha\` database (3 Patroni members, synchronous mode) on a fresh control plane with its
own home under /tmp and ports $PORT_RANGE_START-$PORT_RANGE_END, created through the API; its URIs come from
\`GET /api/v1/databases/{id}/credentials\` and are used as given (TLS: $(tls_line)). Its PgBouncer, as
pgfleet renders it for the plan (\`PoolerSizing\`, no setting changed for the benchmark): transaction mode,
\`default_pool_size\` $POOL_SIZE, \`reserve_pool_size\` $RESERVE_POOL (used once a client has waited 3 s),
\`max_db_connections\` $MAX_DB_CONNECTIONS (a hard cap on server connections), \`max_client_conn\` $MAX_CLIENT_CONN,
\`max_prepared_statements\` ${MAX_PREPARED:-unset}; it ran with an open-file limit of $POOLER_FD_LIMIT, pgbench with $(ulimit -Sn).

**pgbench**: \`pgbench -i -s $SCALE -I dtGvp\` (server-side data generation) through the direct endpoint, then
\`pgbench -n -T $DURATION -j <min(clients, $THREADS)> --random-seed=$SEED\` with \`-b select-only\` and \`-b tpcb-like\`
(the built-in TPC-B-like script): $CLIENTS clients through the pooler, with \`-M simple\` and \`-M prepared\`
(protocol-level prepared statements, which PgBouncer carries across transactions)$(pipelined_note), next to ${DIRECT_CLIENTS// /, }
clients connected straight to the leader (the \`directUri\`, \`target_session_attrs=read-write\`), of which
the best median counts as the direct peak. $RUNS run(s) of $DURATION s per cell; a round runs every cell
once, in the table's order, and the figures are medians. TPS is pgbench's "without initial connection
time" (\`-C\` is not used: each client connects once, and the set-up time is shown apart; pgbench's \`-T\` window
starts before the clients connect, so with many clients part of it is set-up). Errors are
pgbench's failed transactions, its aborted clients, a non-zero exit code and a run without any transaction. While the pooler is loaded the
leader's client sessions of the owner are counted once a second (the most seen is reported: the pool at
work). An untimed $WARMUP s select-only run through the direct endpoint warms the caches first; $(quiet_line)

**Vector**: \`items\`, $VECTOR_ROWS rows of random \`vector($VECTOR_DIM)\` (\`setseed\`, one statement, so the same
rows every time), an HNSW index (\`vector_l2_ops\`, m $HNSW_M, ef_construction $HNSW_EF_CONSTRUCTION; built and
replayed by both replicas before timing; load and build took ${VECTOR_LOAD_SECONDS:-?} s), and $QUERY_VECTORS query
vectors drawn the same way into \`query_vectors\`. The pgbench script picks one at random (pgbench's seeded
generator) and asks for the 10 nearest rows: \`select id from items order by embedding <-> (select embedding
from query_vectors where id = :q) limit 10\` (the plan is checked to be an index scan of the HNSW index;
\`hnsw.ef_search\` is pgvector's default, 40). $VECTOR_CLIENTS clients, $RUNS run(s) of $DURATION s per
endpoint, alternating. QPS is pgbench's TPS; p95 is the nearest-rank 95th percentile of the
per-transaction latencies in pgbench's \`--log\`, per run, then the median over runs. "The leader alone"
is the main pooler: pooled like the read-only endpoint (a second PgBouncer of the same sizing, whose server
connections a proxy spreads over the replicas), so the ratio compares pooled reads with pooled reads; the
read-only path has the proxy as one hop more. Before timing, the script checks through the read-only URI
which kind of member serves its sessions (\`pg_is_in_recovery()\`, four sessions).

What one machine can show: pgbench, PgBouncer and all three members share the machine's $(nproc) CPUs, so the
read-only endpoint adds no CPU here: spreading reads across the replicas cannot reach the 1.8× that three
members on their own machines are meant for, and a ratio near 1 (or below, from the extra hop) is what
this machine can give. The figure shows that the endpoint works and what it costs, not the scaling.
EOF
}

quiet_line() {
  if [ "$WAIT_FOR_QUIET" -eq 1 ]; then
    echo "before every run the script waits until no test suite runs on the machine."
  else
    echo "the script did **not** wait for a quiet machine before each run (\`--no-wait\`)."
  fi
}

pipelined_note() {
  [[ " $WORKLOADS " == *" tpcb-like "* ]] || return 0
  if [ "$PREPARED_TPCB" = threaded ]; then
    cat <<'TEXT'
. With `-M prepared`, tpcb-like runs the built-in script with one pgbench thread per client (`-j` = clients):
pgbench 15 prepares each statement with a blocking `PQprepare()` the first time a client runs it, which
halts every client of that thread until the pooler has a server connection free; with many clients per
thread the clients holding every pooled connection sit in open transactions on the halted thread and
pgbench deadlocks itself (a trial stopped at PgBouncer's `query_wait_timeout`). One client per thread, as
with an application's own connections, never waits on another client
TEXT
    return 0
  fi
  [ "$PREPARED_TPCB" = pipelined ] || return 0
  cat <<'TEXT'
. With `-M prepared`, tpcb-like runs the built-in statements inside `\startpipeline` ... `\endpipeline`,
one round trip per transaction, so that row is not comparable with `-M simple`: pgbench 15 prepares each
statement with a blocking `PQprepare()` the first time a client runs it, which halts all clients of its
thread until the pooler has a server connection free, and with more clients per thread than pooled
connections the built-in script deadlocks pgbench itself (the clients holding every pooled connection sit
in open transactions on the halted thread; a trial stopped after a few dozen transactions, at PgBouncer's
`query_wait_timeout`). In a pipeline all of a client's statements are prepared before its BEGIN, and no
open transaction waits on pgbench (`--prepared-tpcb builtin` runs the built-in script as is)
TEXT
}

tls_line() {
  if [ -n "$CA_FILE" ]; then
    echo "\`sslmode=$(uri_sslmode "$POOLER_URI")\`, the database's CA from \`GET .../ca.crt\` as \`PGSSLROOTCERT\`"
  else
    echo "no CA certificate from the API, sslmode $(uri_sslmode "$POOLER_URI")"
  fi
}

trial_note() {
  if [ "$QUICK" -eq 1 ]; then
    echo
    echo "Note: a smoke run (\`--quick\`), not the benchmark."
  fi
}

# ---- cleanup ----------------------------------------------------------------------------------------

# shellcheck disable=SC2317 # run by the EXIT trap, which shellcheck does not follow past "main; exit"
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  stop_server_connection_sampler
  if [ "$rc" -ne 0 ] && [ -n "$PRIVATE" ]; then show_log "$PRIVATE/control-plane.log" 60; fi
  delete_database_quietly "$DB_ID"
  stop_control_plane_and_home
  if [ "$rc" -eq 0 ]; then say "done in $(seconds_between "$SCRIPT_START" "$(now)") s"; fi
  exit "$rc"
}

SCRIPT_START=""
main() {
  SCRIPT_START="$(now)"
  parse_args "$@"
  check_prerequisites
  raise_fd_limit
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  start_control_plane
  create_database
  read_pooler_settings
  init_pgbench
  prepared_tpcb_script
  say "warm-up: ${WARMUP}s select-only through the direct endpoint (untimed)"
  client_env pgbench -n -T "$WARMUP" -c 4 -j "$(threads_for 4)" -b select-only "$DIRECT_URI" >/dev/null 2>"$PRIVATE/warmup.err" \
    || { cat "$PRIVATE/warmup.err" >&2; die "the warm-up run failed"; }
  local w
  for w in $WORKLOADS; do bench_workload "$w"; done
  if [ "$VECTOR" -eq 1 ]; then bench_vector; fi

  pooler_section > "$PRIVATE/section.md"
  if [ "$WRITE_DOC" -eq 1 ]; then
    # After the Failover section (the others stay byte for byte as they are), or at the end.
    write_doc_section "$PRIVATE/section.md" Pooler Failover
    say "wrote $DOC"
  fi
  echo
  cat "$PRIVATE/section.md"
}

# On one line, so that bash has read all of it before running: an edit of this file during a run cannot
# be picked up half-way.
main "$@"; exit
