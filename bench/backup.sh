#!/usr/bin/env bash
# bench/backup.sh: how fast pgfleet backs up (and verifies) a ~1 GiB pgvector database, next to a raw
# pg_dump of the same database by hand. Run it as `./pgfleet bench backup [--runs N] [--size-mb N]`.
#
# It provisions one `dev` database (one Patroni member), loads it to about --size-mb MiB (default 1024)
# through the direct endpoint as the owner role, then measures N runs (default 3) of
#   A. pgfleet: POST /api/v1/databases/{id}/backups, polled until SUCCEEDED and then until the
#      verification (restore into a scratch instance + checks) has a result; the dump time is the
#      backup's own durationMillis (started -> finished), the wall time from the POST is kept too;
#   B. raw:     pg_dump --format=custom of the same database from the same member, by this script.
# The order alternates per run (A B, B A, A B, ...). Throughput = database size / dump time; the ratio
# of the medians (pgfleet / raw) has a target of >= 0.9. Then it writes the "Backup" section of
# docs/benchmarks.md (after "Provisioning", which it leaves alone) and prints the table.
#
# Everything runs under a fresh PGFLEET_HOME in /tmp with its own control plane and its own port block;
# an EXIT trap deletes the database, stops every process it started (by PID, after checking its command
# line) and removes the home.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/control-plane/target/pgfleet-control-plane.jar"
DOC="$ROOT/docs/benchmarks.md"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

RUNS=3
SIZE_MB=1024            # target database size, MiB
DEFAULT_SIZE_MB=1024
DB_NAME=bench
PROVISION_TIMEOUT=300
BACKUP_TIMEOUT=3600     # seconds for one backup to succeed, and again for its verification
SETTLE_SECONDS=5        # after sync, before each timed dump
HNSW_ROWS=20000         # the HNSW-indexed table: small, so its index builds in seconds on 2 cores
MAX_BATCH_ROWS=100000

# PRIVATE (see bench/lib.sh) holds the raw dumps too.
RAW_PID=""              # a raw pg_dump in progress (so the EXIT trap can stop it)
RAW_FILE=""
WATCH_PID=""            # the watcher looking for a test suite during a timed phase
DB_ID=""
SOURCE_MEMBER=""        # the dev database's one member, which both methods dump from
BIN_DIR=""              # the PostgreSQL binaries pgfleet runs for this database (from its patroni.yml)
PG_HOST=""; PG_PORT=""; PG_USER=""; PG_PASSWORD=""
DB_BYTES=""             # pg_database_size after loading
ITEMS_ROWS=""
SCRIPT_START=""

# Per run, in run order.
ORDERS=()               # "pgfleet, raw" or "raw, pgfleet"
PGF_DUMP_S=()           # the backup's durationMillis, in seconds
PGF_WALL_S=()           # POST -> SUCCEEDED seen by polling
PGF_BYTES=()            # the backup's sizeBytes
PGF_ATTEMPTS=()
PGF_VERIFY_S=()         # verificationMillis, in seconds
PGF_VERIFICATION=()     # PASSED / FAILED
PGF_VERIFY_REASON=()
RAW_S=()
RAW_BYTES=()
DISTURBED=()            # "pgfleet run 2", ...: a test suite ran during that phase, even after repeats
MAX_TRIES=3             # a phase a test suite disturbed is repeated, at most this often in all

# The latest try of a run (set by pgfleet_try / raw_try, kept by pgfleet_run / raw_run).
R_DUMP_S=""; R_WALL_S=""; R_BYTES=""; R_ATTEMPTS=""; R_VERIFICATION=""; R_VERIFY_S=""; R_VERIFY_REASON=""
R_RAW_S=""; R_RAW_BYTES=""; R_DISTURBED=0

usage() {
  cat <<'EOF'
usage: ./pgfleet bench backup [--runs N] [--size-mb N]

Loads a dev database to about N MiB (default 1024) and measures N runs (default 3) of a pgfleet backup
(dump + verification) and of a raw pg_dump of the same database. Writes docs/benchmarks.md.
EOF
}

parse_args() {
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --runs)
        [ "$#" -ge 2 ] || die "--runs needs a value (an integer >= 1)"
        RUNS="$(positive_integer --runs "$2")"
        shift 2 ;;
      --runs=*) RUNS="$(positive_integer --runs "${1#--runs=}")"; shift ;;
      --size-mb)
        [ "$#" -ge 2 ] || die "--size-mb needs a value (an integer >= 1)"
        SIZE_MB="$(positive_integer --size-mb "$2")"
        shift 2 ;;
      --size-mb=*) SIZE_MB="$(positive_integer --size-mb "${1#--size-mb=}")"; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; die "unknown argument: $1" ;;
    esac
  done
}

check_prerequisites() {
  local cmd
  for cmd in java psql curl jq ss python3 sync; do
    command -v "$cmd" >/dev/null || die "$cmd is missing (./pgfleet bench backup installs the components)"
  done
  [ -f "$JAR" ] || die "$JAR is missing; build it: ./mvnw -q -B -DskipTests package"
}

# ---- small helpers ---------------------------------------------------------------------------------


# ---- a quiet machine ---------------------------------------------------------------------------------

# Before each timed dump: no test suite, the page cache's dirty pages (the load, the previous
# verification's restore) written out, a few seconds of calm. The same for both methods.
settle() {
  wait_until_quiet
  sync
  sleep "$SETTLE_SECONDS"
}

# During a timed phase a watcher (a subshell of this script, checking every second, the same for both
# methods) leaves a marker file if a test suite runs; the phase is then repeated.
start_watch() {
  rm -f "$PRIVATE/disturbed"
  ( while :; do
      if test_suite_running; then : > "$PRIVATE/disturbed"; fi
      sleep 1
    done ) </dev/null &
  WATCH_PID=$!
}

# Stops the watcher; true if it saw a test suite.
stop_watch() {
  if [ -n "$WATCH_PID" ]; then
    kill "$WATCH_PID" 2>/dev/null || true
    wait "$WATCH_PID" 2>/dev/null || true
    WATCH_PID=""
  fi
  [ -e "$PRIVATE/disturbed" ]
}

# ---- the control plane -----------------------------------------------------------------------------

# Creates the dev database, waits until READY, and reads how to reach its one member as the owner.
create_database() {
  local status body
  body="$(jq -nc --arg name "$DB_NAME" '{name: $name, plan: "dev"}')"
  say "provisioning the dev database '$DB_NAME'"
  status="$(api POST /api/v1/databases "$TENANT_TOKEN" "$body")"
  [ "$status" = 202 ] || die "creating the database answered $status: $(api_body)"
  DB_ID="$(api_body | jq -r .id)"
  wait_for_status "$DB_ID" READY "$PROVISION_TIMEOUT"

  # The member's host and port, structured (no URI parsing); the dev plan has exactly one member, which is
  # where pgfleet's backup dumps from too (checked per backup against its sourceMember).
  local hosts
  SOURCE_MEMBER="$(api_body | jq -r '.members[0].name')"
  hosts="$(api_body | jq -c .connection.direct.hosts)"
  [ "$(jq length <<< "$hosts")" = 1 ] || die "expected one member for a dev database, got $hosts"
  PG_HOST="$(jq -r '.[0].host' <<< "$hosts")"
  PG_PORT="$(jq -r '.[0].port' <<< "$hosts")"

  local deadline
  deadline="$(deadline_in 30)"
  until [ "$(api GET "/api/v1/databases/$DB_ID/credentials" "$TENANT_TOKEN")" = 200 ]; do
    ! past "$deadline" || die "no credentials for database $DB_ID: $(api_body)"
    sleep 0.2
  done
  PG_USER="$(api_body | jq -r .username)"
  PG_PASSWORD="$(api_body | jq -r .password)"
  # The directUri names the same member as the database view (a sanity check, nothing parsed from it).
  api_body | jq -r .directUri | grep -qF "@$PG_HOST:$PG_PORT/" \
    || die "the credentials' directUri does not point at $PG_HOST:$PG_PORT"

  local config="$BENCH_HOME/databases/$DB_ID/members/0/patroni.yml"
  [ -f "$config" ] || die "no $config"
  BIN_DIR="$(yaml_value "$config" postgresql.bin_dir)"
  [ -x "$BIN_DIR/pg_dump" ] || die "no pg_dump in $BIN_DIR"
}

# ---- the data ---------------------------------------------------------------------------------------

# psql on the member's direct endpoint as the owner role; the password goes in the environment, never on
# a command line.
owner_psql() {
  PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=5 PGOPTIONS="-c client_min_messages=warning" psql -X -q -A -t -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$DB_NAME" "$@"
}

database_bytes() { owner_psql -c 'select pg_database_size(current_database())'; }

# Random vector(128) per row: the subquery refers to the outer row (g > 0), so PostgreSQL evaluates it
# once per row instead of once per statement; here 1 GiB (1.35 M rows) loads in under a minute.
# The body is 128 hex characters (compresses about as well as text does).
insert_sql() {
  local table="$1" rows="$2" with_body="$3"
  local vector="(select array_agg(random()::real) from generate_series(1, 128) where g > 0)::vector(128)"
  if [ "$with_body" = yes ]; then
    echo "insert into $table (embedding, body) select $vector, md5(g::text) || md5((g + 1)::text) || md5(random()::text) || md5(random()::text) from generate_series(1, $rows) g"
  else
    echo "insert into $table (embedding) select $vector from generate_series(1, $rows) g"
  fi
}

# A pgvector database of about SIZE_MB MiB: `items` (bigserial key, vector(128), text) filled in batches
# until pg_database_size reaches the target, and a small `docs` table with an HNSW index, so the dump
# (and the verification's restore) contains one without minutes of index build on 2 cores.
load_data() {
  local target=$((SIZE_MB * 1048576)) size before rows bytes_per_row=800 t0
  say "loading about $SIZE_MB MiB through the direct endpoint as '$PG_USER'"
  t0="$(now)"
  owner_psql <<'SQL'
create extension if not exists vector;
create table items (id bigserial primary key, embedding vector(128), body text);
create table docs (id bigserial primary key, embedding vector(128));
SQL
  owner_psql -c "$(insert_sql docs "$HNSW_ROWS" no)"
  owner_psql -c 'create index docs_embedding_hnsw on docs using hnsw (embedding vector_l2_ops)'

  size="$(database_bytes)"
  while [ "$size" -lt "$target" ]; do
    # Rows still missing at the bytes per row measured so far (converges from below; never a huge batch).
    rows=$(( (target - size) / bytes_per_row + 1 ))
    if [ "$rows" -gt "$MAX_BATCH_ROWS" ]; then rows="$MAX_BATCH_ROWS"; fi
    if [ "$rows" -lt 1000 ]; then rows=1000; fi
    before="$size"
    owner_psql -c "$(insert_sql items "$rows" yes)"
    size="$(database_bytes)"
    if [ "$size" -gt "$before" ]; then bytes_per_row=$(( (size - before) / rows + 1 )); fi
    say "  $(mib "$size") MiB"
  done
  # Frozen and analyzed: no dump pays for hint-bit writes or visibility checks the others did not.
  owner_psql -c 'vacuum (freeze, analyze) items, docs'
  DB_BYTES="$(database_bytes)"
  ITEMS_ROWS="$(owner_psql -c 'select count(*) from items')"
  say "loaded: $(mib "$DB_BYTES") MiB, $ITEMS_ROWS rows in items, $HNSW_ROWS in docs, in $(seconds_between "$t0" "$(now)") s"
}

# ---- A: through pgfleet ------------------------------------------------------------------------------

# The schedule far from now (03:00) but enabled, as a tenant would have it; every backup verified.
set_policy() {
  local status
  status="$(api PUT "/api/v1/databases/$DB_ID/backup-policy" "$TENANT_TOKEN" \
    '{"cron":"0 0 3 * * ?","enabled":true,"retentionCount":10,"verifyAfterBackup":true}')"
  [ "$status" = 200 ] || die "setting the backup policy answered $status: $(api_body)"
}

# Polls a backup until the jq filter's value is one of the wanted words; prints it.
wait_for_backup() {
  local bid="$1" filter="$2" wanted="$3" timeout="$4" deadline status value=""
  deadline="$(deadline_in "$timeout")"
  while :; do
    status="$(api GET "/api/v1/databases/$DB_ID/backups/$bid" "$TENANT_TOKEN")"
    if [ "$status" = 200 ]; then
      value="$(api_body | jq -r "$filter")"
      if [[ " $wanted " == *" $value "* ]]; then echo "$value"; return 0; fi
    fi
    past "$deadline" && die "backup $bid: $filter is not one of ($wanted) after ${timeout}s (HTTP $status, ${value:-?}): $(api_body)"
    # Once a second: the poll (curl, jq) competes for the 2 cores with pgfleet's own pg_dump.
    sleep 1
  done
}

# One pgfleet backup, from the POST to its verification's result; leaves its figures in R_* and
# R_DISTURBED=1 if a test suite ran meanwhile.
pgfleet_try() {
  local run="$1" status bid t0 t1 result body
  settle
  start_watch
  t0="$(now)"
  status="$(api POST "/api/v1/databases/$DB_ID/backups" "$TENANT_TOKEN")"
  [ "$status" = 202 ] || die "POST backups answered $status: $(api_body)"
  bid="$(api_body | jq -r .id)"
  result="$(wait_for_backup "$bid" .status "SUCCEEDED FAILED" "$BACKUP_TIMEOUT")"
  t1="$(now)"
  [ "$result" = SUCCEEDED ] || die "pgfleet backup $bid FAILED: $(api_body | jq -r .statusReason)"

  body="$(api_body)"
  [ "$(jq -r .sourceMember <<< "$body")" = "$SOURCE_MEMBER" ] \
    || die "backup $bid was taken from $(jq -r .sourceMember <<< "$body"), not $SOURCE_MEMBER"
  R_DUMP_S="$(millis_to_seconds "$(jq -r .durationMillis <<< "$body")")"
  R_WALL_S="$(seconds_between "$t0" "$t1")"
  R_BYTES="$(jq -r .sizeBytes <<< "$body")"
  R_ATTEMPTS="$(jq -r .attempts <<< "$body")"
  say "pgfleet run $run/$RUNS: dump $R_DUMP_S s (POST -> SUCCEEDED $R_WALL_S s), $(mib "$R_BYTES") MiB; verifying"

  # Not timed by us: the verification's own time is in the API. Waiting for it also keeps the restore's
  # load off the next timed dump.
  wait_for_backup "$bid" .verification "PASSED FAILED" "$BACKUP_TIMEOUT" >/dev/null
  body="$(api_body)"
  R_VERIFICATION="$(jq -r .verification <<< "$body")"
  R_VERIFY_S="$(millis_to_seconds "$(jq -r .verificationMillis <<< "$body")")"
  R_VERIFY_REASON="$(jq -r '.verificationReason // ""' <<< "$body")"
  say "pgfleet run $run/$RUNS: verification $R_VERIFICATION in $R_VERIFY_S s ($R_VERIFY_REASON)"
  R_DISTURBED=0
  if stop_watch; then R_DISTURBED=1; fi
}

# A pgfleet run, repeated while a test suite disturbs it (at most MAX_TRIES in all).
pgfleet_run() {
  local run="$1" try
  for ((try = 1; try <= MAX_TRIES; try++)); do
    pgfleet_try "$run"
    [ "$R_DISTURBED" = 1 ] || break
    say "a test suite ran during pgfleet run $run (try $try of $MAX_TRIES)"
  done
  if [ "$R_DISTURBED" = 1 ]; then DISTURBED+=("pgfleet run $run"); fi
  PGF_DUMP_S+=("$R_DUMP_S"); PGF_WALL_S+=("$R_WALL_S"); PGF_BYTES+=("$R_BYTES"); PGF_ATTEMPTS+=("$R_ATTEMPTS")
  PGF_VERIFICATION+=("$R_VERIFICATION"); PGF_VERIFY_S+=("$R_VERIFY_S"); PGF_VERIFY_REASON+=("$R_VERIFY_REASON")
}

# ---- B: raw pg_dump ----------------------------------------------------------------------------------

# pg_dump --format=custom of the same database from the same member, with the same pg_dump binary as
# pgfleet, as the owner role (pgfleet uses the superuser; the brief gives us only the owner), to a file on
# the same filesystem as pgfleet's backup store. Run in the background and waited for, so a Ctrl-C or
# TERM reaches the EXIT trap at once, which stops it.
raw_dump() {
  local out="$1"
  PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=5 "$BIN_DIR/pg_dump" "--host=$PG_HOST" "--port=$PG_PORT" \
    "--username=$PG_USER" "--dbname=$DB_NAME" --format=custom --no-password "--file=$out" &
  RAW_PID=$!
  local rc=0
  wait "$RAW_PID" || rc=$?
  RAW_PID=""
  return "$rc"
}

# One raw pg_dump, timed; leaves its figures in R_* and R_DISTURBED=1 if a test suite ran meanwhile.
raw_try() {
  local run="$1" t0 t1
  mkdir -p -m 0700 "$PRIVATE/raw"
  RAW_FILE="$PRIVATE/raw/run-$run.dump"
  settle
  start_watch
  t0="$(now)"
  raw_dump "$RAW_FILE" || die "raw pg_dump (run $run) failed"
  t1="$(now)"
  R_DISTURBED=0
  if stop_watch; then R_DISTURBED=1; fi
  R_RAW_S="$(seconds_between "$t0" "$t1")"
  R_RAW_BYTES="$(stat -c %s "$RAW_FILE")"
  rm -f "$RAW_FILE"
  RAW_FILE=""
  say "raw     run $run/$RUNS: dump $R_RAW_S s, $(mib "$R_RAW_BYTES") MiB"
}

# A raw run, repeated while a test suite disturbs it (at most MAX_TRIES in all).
raw_run() {
  local run="$1" try
  for ((try = 1; try <= MAX_TRIES; try++)); do
    raw_try "$run"
    [ "$R_DISTURBED" = 1 ] || break
    say "a test suite ran during raw run $run (try $try of $MAX_TRIES)"
  done
  if [ "$R_DISTURBED" = 1 ]; then DISTURBED+=("raw run $run"); fi
  RAW_S+=("$R_RAW_S"); RAW_BYTES+=("$R_RAW_BYTES")
}

# One untimed pg_dump first: the first dump after the load would otherwise be the only one reading a
# freshly written database (page cache, writeback), whichever method it belongs to.
warm_up() {
  say "warm-up: one untimed raw pg_dump"
  mkdir -p -m 0700 "$PRIVATE/raw"
  RAW_FILE="$PRIVATE/raw/warm-up.dump"
  raw_dump "$RAW_FILE" || die "the warm-up pg_dump failed"
  rm -f "$RAW_FILE"
  RAW_FILE=""
}

# ---- results ----------------------------------------------------------------------------------------

two() { stats fmt 2 "$1"; }

# Throughputs per run (MiB/s) for a list of durations.
throughputs() { local s; for s in "$@"; do mib_per_s "$DB_BYTES" "$s"; echo; done; }

results_markdown() {
  local pgf_tp raw_tp wall_tp pm rm wm r verdict
  mapfile -t pgf_tp < <(throughputs "${PGF_DUMP_S[@]}")
  mapfile -t raw_tp < <(throughputs "${RAW_S[@]}")
  mapfile -t wall_tp < <(throughputs "${PGF_WALL_S[@]}")
  pm="$(median "${pgf_tp[@]}")"; rm="$(median "${raw_tp[@]}")"; wm="$(median "${wall_tp[@]}")"
  r="$(ratio "$pm" "$rm")"

  echo "| Runs | pgfleet dump, median (s) | raw pg_dump, median (s) | pgfleet (MiB/s) | raw (MiB/s) | pgfleet / raw | verification, median (s) | dump size, pgfleet / raw (MiB) |"
  echo "|-----:|------------------------:|------------------------:|----------------:|------------:|--------------:|-------------------------:|-------------------------------:|"
  echo "| $RUNS | $(two "$(median "${PGF_DUMP_S[@]}")") | $(two "$(median "${RAW_S[@]}")") | $(two "$pm") | $(two "$rm") | **$r** | $(two "$(median "${PGF_VERIFY_S[@]}")") | $(mib "$(median "${PGF_BYTES[@]}")") / $(mib "$(median "${RAW_BYTES[@]}")") |"
  echo
  echo "Raw runs, in order:"
  echo
  echo "| Run | order | pgfleet dump (s) | pgfleet POST → SUCCEEDED (s) | raw pg_dump (s) | pgfleet (MiB/s) | raw (MiB/s) | verification | pgfleet dump (bytes) | raw dump (bytes) |"
  echo "|----:|-------|-----------------:|-----------------------------:|----------------:|----------------:|------------:|--------------|---------------------:|-----------------:|"
  local i attempts
  for ((i = 0; i < RUNS; i++)); do
    attempts=""
    if [ "${PGF_ATTEMPTS[$i]}" != 1 ]; then attempts=" (${PGF_ATTEMPTS[$i]} attempts)"; fi
    echo "| $((i + 1)) | ${ORDERS[$i]} | $(two "${PGF_DUMP_S[$i]}")$attempts | $(two "${PGF_WALL_S[$i]}") | $(two "${RAW_S[$i]}") | ${pgf_tp[$i]} | ${raw_tp[$i]} | ${PGF_VERIFICATION[$i]} in $(two "${PGF_VERIFY_S[$i]}") s | ${PGF_BYTES[$i]} | ${RAW_BYTES[$i]} |"
  done
  echo
  echo "Target:"
  echo
  if at_least "$r" 0.9; then verdict="met"; else verdict="**NOT met**"; fi
  echo "- pgfleet / raw pg_dump throughput ≥ 0.9 (medians, pgfleet's dump phase): $r — $verdict."
  echo "- Counting pgfleet from the POST to SUCCEEDED as seen by polling (queueing included): $(two "$wm") MiB/s, $(ratio "$wm" "$rm") of raw."
  local failed=0 v
  for v in "${PGF_VERIFICATION[@]}"; do [ "$v" = PASSED ] || failed=$((failed + 1)); done
  if [ "$failed" -eq 0 ]; then
    echo "- Verification: all $RUNS backup(s) PASSED (${PGF_VERIFY_REASON[0]})."
  else
    echo "- Verification: **$failed of $RUNS backup(s) did not pass**: $(printf '%s; ' "${PGF_VERIFY_REASON[@]}")"
  fi
  if [ "${#DISTURBED[@]}" -gt 0 ]; then
    echo "- **Disturbed**: a test suite ran on the machine during $(printf '%s, ' "${DISTURBED[@]}" | sed 's/, $//') in all $MAX_TRIES tries; those figures are skewed."
  fi
}

versions_markdown() {
  local postgres pgvector
  postgres="$("$BIN_DIR/postgres" --version | sed 's/^postgres (PostgreSQL) //')"
  pgvector="$(owner_psql -c "select extversion from pg_extension where extname = 'vector'")"
  echo "- Versions: PostgreSQL $postgres, pgvector $pgvector"
}

backup_section() {
  cat <<EOF
## Backup (\`./pgfleet bench backup\`)

$(machine_markdown "dumps and database on the same local disk")
$(versions_markdown)

The database: one \`dev\` database (1 Patroni member), $(mib "$DB_BYTES") MiB (\`pg_database_size\`), loaded
through the member's direct endpoint as the owner role: \`items\` ($ITEMS_ROWS rows of \`bigserial\` key,
random \`vector(128)\`, 128 characters of hex text) and \`docs\` ($HNSW_ROWS random \`vector(128)\` with an HNSW
index), then \`VACUUM (FREEZE, ANALYZE)\`. One untimed \`pg_dump\` warms the page cache first.

What is measured, $RUNS run(s) each, the order alternating per run (pgfleet first, then raw first, ...):

- **pgfleet**: \`POST /api/v1/databases/{id}/backups\` (policy: daily at 03:00, retention 10, verify after
  backup), polled every second until \`SUCCEEDED\`, then until the verification has a result. The dump time
  is the backup's \`durationMillis\` (started → finished: snapshot export, row counts for the manifest,
  \`pg_dump --format=custom --snapshot\` as the superuser, SHA-256 of the file); the wall time from the POST
  to \`SUCCEEDED\` is also recorded. Verification time is the backup's \`verificationMillis\` (scratch
  instance, \`pg_restore\`, HNSW and other indexes rebuilt, row counts, indexes and extensions checked).
- **raw**: \`pg_dump --format=custom\` of the same database from the same member, with the same \`pg_dump\`
  binary, as the owner role, to a file on the same disk, timed by the script (\`date +%s.%N\`).

Before each timed dump the script waits until no test suite runs on the machine, runs \`sync\` (so the
previous restore's writes are not flushed during it) and waits ${SETTLE_SECONDS} s; a run during which a test
suite started anyway is repeated (at most $MAX_TRIES tries). Throughput = database size /
dump time, in MiB/s; the ratio compares the median throughputs. A fresh control plane runs on its own home
under /tmp and ports $PORT_RANGE_START-$PORT_RANGE_END.

$(results_markdown)
$(trial_note)
EOF
}

# A trial (fewer runs, another size) says so, rather than passing for the benchmark.
trial_note() {
  if [ "$RUNS" -lt 3 ] || [ "$SIZE_MB" -ne "$DEFAULT_SIZE_MB" ]; then
    echo
    echo "Note: a trial (\`--runs $RUNS --size-mb $SIZE_MB\`), not the benchmark, which uses at least 3 runs of $DEFAULT_SIZE_MB MiB."
  fi
}

# ---- cleanup ----------------------------------------------------------------------------------------

# Always runs (EXIT trap): a raw pg_dump in progress, the database (through the API), the control plane,
# then everything it left under its home, by pid file and only while the command line matches; then the
# home itself.
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ] && [ -n "$PRIVATE" ]; then show_log "$PRIVATE/control-plane.log" 80; fi
  if [ -n "$WATCH_PID" ]; then stop_pid "$WATCH_PID" "$0" 5; fi
  if [ -n "$RAW_PID" ]; then stop_pid "$RAW_PID" "$RAW_FILE" 10; fi
  delete_database_quietly "$DB_ID"
  stop_control_plane_and_home
  if [ "$rc" -eq 0 ]; then say "done in $(seconds_between "$SCRIPT_START" "$(now)") s"; fi
  exit "$rc"
}

main() {
  SCRIPT_START="$(now)"
  parse_args "$@"
  check_prerequisites
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  start_control_plane
  create_database
  load_data
  set_policy
  warm_up

  local run
  for ((run = 1; run <= RUNS; run++)); do
    if ((run % 2)); then
      ORDERS+=("pgfleet, raw"); pgfleet_run "$run"; raw_run "$run"
    else
      ORDERS+=("raw, pgfleet"); raw_run "$run"; pgfleet_run "$run"
    fi
  done

  backup_section > "$PRIVATE/section.md"
  # After the Provisioning section (left byte for byte as it is), or at the end.
  write_doc_section "$PRIVATE/section.md" Backup Provisioning
  echo
  results_markdown
  trial_note
  echo
  say "wrote $DOC"
}

main "$@"
