#!/usr/bin/env bash
# bench/provision.sh: how long pgfleet takes to provision a database, and how that compares with
# starting the very same components by hand. Run it as `./pgfleet bench provision [--runs N]`.
#
# For each plan (dev: 1 Patroni member, ha: 3) it measures N runs of
#   A. pgfleet: from just before POST /api/v1/databases to the first successful vector query
#      through the pooler;
#   B. direct:  the same Patroni members and PgBouncer, with the configuration files pgfleet generated
#      in its first run, started by this script, to the first successful vector query through the pooler.
# Then it writes the "Provisioning" section of docs/benchmarks.md and prints the table.
#
# Everything runs under a fresh PGFLEET_HOME in /tmp with its own control plane and its own port block;
# an EXIT trap stops every process it started (by PID, after checking its command line) and removes it.
# machine_markdown (bench/lib.sh) takes an optional note; called here without one.
# shellcheck disable=SC2119
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/control-plane/target/pgfleet-control-plane.jar"
DOC="$ROOT/docs/benchmarks.md"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

# The shared etcd's client port: the control plane puts it on the last two ports of the block.
ETCD_PORT=$((PORT_RANGE_END - 1))

PLANS=(dev ha)
RUNS=5
VECTOR_QUERY="select '[1,2,3]'::vector <-> '[1,2,4]'"
PROVISION_TIMEOUT=300   # seconds; pgfleet's own provisioning deadline is 5 minutes

# PRIVATE (see bench/lib.sh) holds the templates too: they hold passwords.
DIRECT_RUN_DIR=""       # the direct run in progress, if any (so the EXIT trap can stop it)
DIRECT_PIDS=()          # its Patroni and PgBouncer PIDs
LAST_PID=""
declare -A RESULTS=()   # "pgfleet/dev" -> "4.123 4.001 ...", seconds per run

usage() {
  cat <<'EOF'
usage: ./pgfleet bench provision [--runs N]

Measures database provisioning time for plans dev and ha: through pgfleet's API, and with the same
components started directly. N runs each (default 5). Writes docs/benchmarks.md.
EOF
}

parse_args() {
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --runs)
        [ "$#" -ge 2 ] || die "--runs needs a value (an integer >= 1)"
        set_runs "$2"
        shift 2 ;;
      --runs=*) set_runs "${1#--runs=}"; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; die "unknown argument: $1" ;;
    esac
  done
}

# Digits only, no leading zero (bash would read 08 as octal), at least 1.
set_runs() {
  [[ "$1" =~ ^[1-9][0-9]{0,3}$ ]] || die "--runs must be an integer >= 1 (at most 9999), got '$1'"
  RUNS="$1"
}

# ---- the data-plane user -----------------------------------------------------------------------------

# As root, pgfleet runs data-plane processes as 'postgres' (PostgreSQL refuses root), so the direct runs
# do the same, with the same command prefix, and hand their files to that user.
if [ "$(id -u)" -eq 0 ]; then
  DATA_USER=postgres
  DROP_PRIVILEGES=(setpriv "--reuid=$DATA_USER" "--regid=$DATA_USER" --init-groups --)
else
  DATA_USER="$(id -un)"
  DROP_PRIVILEGES=()
fi

give_to_data_user() {
  if [ "$(id -u)" -eq 0 ]; then chown "$DATA_USER:$DATA_USER" "$@"; fi
}

# A directory only the data-plane user may enter, as pgfleet creates them (mode 0700).
make_owned_dir() {
  mkdir -p "$1"
  chmod 0700 "$1"
  give_to_data_user "$1"
}

check_prerequisites() {
  local cmd
  for cmd in java patroni pgbouncer etcd psql curl jq ss setsid python3 base64 timeout; do
    command -v "$cmd" >/dev/null || die "$cmd is missing (./pgfleet bench provision installs the components)"
  done
  [ "$(id -u)" -ne 0 ] || command -v setpriv >/dev/null || die "setpriv is missing"
  [ -f "$JAR" ] || die "$JAR is missing; build it: ./mvnw -q -B -DskipTests package"
}

# ---- small helpers ---------------------------------------------------------------------------------

# Starts a long-running data-plane process the way pgfleet does: in its own directory, in its own session
# (setsid, so a Ctrl-C here does not reach it), as the data-plane user, output appended to a log file.
# Sets LAST_PID. The background subshell execs setsid, which is not a process-group leader and so execs
# setpriv in place, which execs the program: $! is the PID of the program itself.
start_detached() {
  local dir="$1" log="$2"
  shift 2
  ( cd "$dir" && exec setsid "${DROP_PRIVILEGES[@]}" "$@" ) >>"$log" 2>&1 </dev/null &
  LAST_PID=$!
}

# ---- the control plane -----------------------------------------------------------------------------

# The shared etcd is started by the control plane with the first database. Provisioning one database
# (untimed) before measuring means etcd is already up in every measured run, as it is for the direct
# runs, and the control plane's JVM is warm.
warm_up() {
  say "warm-up: provisioning one untimed dev database (starts the shared etcd)"
  local id
  id="$(create_database "$(database_body bwarmup dev)")"
  wait_for_status "$id" READY "$PROVISION_TIMEOUT"
  delete_database "$id"
}

database_body() { jq -nc --arg name "$1" --arg plan "$2" '{name: $name, plan: $plan}'; }

# POSTs a database (body from database_body) and prints its id.
create_database() {
  local body="$1" status
  status="$(api POST /api/v1/databases "$TENANT_TOKEN" "$body")"
  [ "$status" = 202 ] || die "creating a database ($body) answered $status: $(api_body)"
  api_body | jq -r .id
}

# Deletes a database and waits until it is entirely gone (GET answers 404): its ports are free again.
delete_database() {
  local id="$1" status deadline
  status="$(api DELETE "/api/v1/databases/$id" "$TENANT_TOKEN")"
  [ "$status" = 202 ] || die "deleting database $id answered $status: $(api_body)"
  deadline="$(deadline_in "$DELETE_TIMEOUT")"
  until [ "$(api GET "/api/v1/databases/$id" "$TENANT_TOKEN")" = 404 ]; do
    ! past "$deadline" || die "database $id was not gone ${DELETE_TIMEOUT}s after DELETE"
    sleep 0.2
  done
}

# The credentials are there right after the POST; retried in case of a transient error.
fetch_credentials() {
  local id="$1" deadline
  deadline="$(deadline_in 30)"
  until [ "$(api GET "/api/v1/databases/$id/credentials" "$TENANT_TOKEN")" = 200 ]; do
    ! past "$deadline" || die "no credentials for database $id: $(api_body)"
    sleep 0.1
  done
  cp "$PRIVATE/api-body.json" "$PRIVATE/credentials-$id.json"
  echo "$PRIVATE/credentials-$id.json"
}

# Polls the vector query through the pooler every 100 ms until it answers 1: the end of every timing.
# timeout --foreground keeps psql in our process group, so a Ctrl-C reaches it and stops the benchmark
# (bash ignores a SIGINT that its foreground child survived).
wait_for_vector_query() {
  local uri="$1" deadline out
  deadline="$(deadline_in "$PROVISION_TIMEOUT")"
  while :; do
    out="$(PGCONNECT_TIMEOUT=2 timeout --foreground 3 psql "$uri" -XAtq -c "$VECTOR_QUERY" 2>/dev/null || true)"
    [ "$out" != 1 ] || return 0
    ! past "$deadline" || return 1
    sleep 0.1
  done
}

# ---- A: through pgfleet ----------------------------------------------------------------------------

pgfleet_run() {
  local plan="$1" run="$2"
  local name="b${plan}${run}" body id creds t0 t1
  body="$(database_body "$name" "$plan")"

  t0="$(now)"
  id="$(create_database "$body")"
  creds="$(fetch_credentials "$id")"
  wait_for_vector_query "$(jq -r .poolerUri "$creds")" \
    || die "pgfleet run $plan #$run: no vector query through the pooler within ${PROVISION_TIMEOUT}s"
  t1="$(now)"

  local elapsed
  elapsed="$(seconds_between "$t0" "$t1")"
  RESULTS["pgfleet/$plan"]+="$elapsed "
  say "pgfleet $plan run $run/$RUNS: ${elapsed} s"

  wait_for_status "$id" READY 120
  if [ "$run" -eq 1 ]; then save_template "$plan" "$id" "$name" "$creds"; fi
  delete_database "$id"
}

# Keeps what pgfleet generated for this database, for the direct runs: the Patroni configuration of each
# member, PgBouncer's configuration and auth file, the credentials. Root-only: they hold passwords.
save_template() {
  local plan="$1" id="$2" name="$3" creds="$4"
  local source="$BENCH_HOME/databases/$id" template="$PRIVATE/templates/$plan" member
  mkdir -p -m 0700 "$template/members" "$template/pooler"
  for member in "$source"/members/*/; do
    member="$(basename "$member")"
    mkdir -m 0700 "$template/members/$member"
    cp "$source/members/$member/patroni.yml" "$template/members/$member/patroni.yml"
  done
  cp "$source/pooler/pgbouncer.ini" "$source/pooler/userlist.txt" "$template/pooler/"
  cp "$creds" "$template/credentials.json"
  # The directory the paths in these files point into, and the database name: the direct runs rewrite
  # the one and reuse the other.
  echo "$source" > "$template/source-dir"
  echo "$name" > "$template/database-name"
}

# ---- B: the same components, started directly -----------------------------------------------------

# Copies a template configuration into the run directory: the paths point into the run directory, the
# Patroni scope is new (so the runs never share DCS keys); everything else, ports included, is unchanged.
rewrite_config() {
  local src="$1" dst="$2" source_dir="$3" run_dir="$4" scope="$5"
  sed -e "s|$source_dir/|$run_dir/|g" -e "s|^scope: .*\$|scope: $scope|" "$src" > "$dst"
  chmod 0600 "$dst"
  give_to_data_user "$dst"
  ! grep -qF -- "$source_dir" "$dst" || die "$dst still refers to $source_dir"
}

direct_run() {
  local plan="$1" run="$2"
  local template="$PRIVATE/templates/$plan"
  local source_dir db scope="bench-$plan-$run" run_dir="$BENCH_HOME/bench-direct/$plan-$run"
  source_dir="$(cat "$template/source-dir")"
  db="$(cat "$template/database-name")"
  # Only plain path characters, so the paths can go into sed expressions literally.
  [[ "$source_dir" =~ ^[A-Za-z0-9/_-]+$ && "$run_dir" =~ ^[A-Za-z0-9/_-]+$ ]] || die "unexpected characters in $source_dir or $run_dir"

  # Everything read from the configuration happens before the clock starts.
  local members=() rest_ports=() pg_ports=() member config
  for member in "$template"/members/*/; do members+=("$(basename "$member")"); done
  for member in "${members[@]}"; do
    config="$template/members/$member/patroni.yml"
    rest_ports+=("$(yaml_value "$config" restapi.listen | sed 's/.*://')")
    pg_ports+=("$(yaml_value "$config" postgresql.listen | sed 's/.*://')")
  done
  local first="$template/members/${members[0]}/patroni.yml" superuser_password namespace pooler_port owner verifier uri
  superuser_password="$(yaml_value "$first" postgresql.authentication.superuser.password)"
  namespace="$(yaml_value "$first" namespace)"
  pooler_port="$(sed -n 's/^listen_port = //p' "$template/pooler/pgbouncer.ini")"
  owner="$(jq -r .username "$template/credentials.json")"
  # userlist.txt: one '"user" "verifier"' line per user.
  verifier="$(grep -F "\"$owner\" " "$template/pooler/userlist.txt" | head -n1 | cut -d'"' -f4)"
  uri="$(jq -r .poolerUri "$template/credentials.json")"
  [ -n "$verifier" ] || die "no SCRAM verifier for $owner in the template's userlist.txt"

  # The same ports as pgfleet used: free again now that its databases are deleted.
  local port
  for port in "${pg_ports[@]}" "${rest_ports[@]}" "$pooler_port"; do
    ! port_listening "$port" || die "port $port is in use; the direct $plan run needs the ports pgfleet used"
  done

  # The files, as pgfleet lays them out: owner-only directories, Patroni creates pgdata itself (initdb).
  mkdir -p "$BENCH_HOME/bench-direct"
  chmod 0755 "$BENCH_HOME/bench-direct"
  make_owned_dir "$run_dir"
  DIRECT_RUN_DIR="$run_dir"
  DIRECT_PIDS=()
  for member in "${members[@]}"; do
    make_owned_dir "$run_dir/members/$member"
    make_owned_dir "$run_dir/members/$member/log"
    make_owned_dir "$run_dir/members/$member/data"
    rewrite_config "$template/members/$member/patroni.yml" "$run_dir/members/$member/patroni.yml" "$source_dir" "$run_dir" "$scope"
  done
  make_owned_dir "$run_dir/pooler"
  make_owned_dir "$run_dir/pooler/log"
  rewrite_config "$template/pooler/userlist.txt" "$run_dir/pooler/userlist.txt" "$source_dir" "$run_dir" "$scope"
  rewrite_config "$template/pooler/pgbouncer.ini" "$run_dir/pooler/pgbouncer.ini" "$source_dir" "$run_dir" "$scope"

  local t0 t1 leader
  t0="$(now)"
  # All members at once, as pgfleet does.
  for member in "${members[@]}"; do
    start_detached "$run_dir/members/$member" "$run_dir/members/$member/patroni.out" patroni "$run_dir/members/$member/patroni.yml"
    DIRECT_PIDS+=("$LAST_PID")
  done
  leader="$(wait_for_primary "$run_dir" "${rest_ports[@]}")"
  create_tenant_database "${pg_ports[$leader]}" "$superuser_password" "$db" "$owner" "$verifier" "$run_dir"
  point_pooler_at "$run_dir/pooler/pgbouncer.ini" "$db" "${pg_ports[$leader]}"
  start_detached "$run_dir/pooler" "$run_dir/pooler/pgbouncer.out" pgbouncer "$run_dir/pooler/pgbouncer.ini"
  DIRECT_PIDS+=("$LAST_PID")
  if ! wait_for_vector_query "$uri"; then
    show_log "$run_dir/pooler/log/pgbouncer.log"
    die "direct run $plan #$run: no vector query through the pooler within ${PROVISION_TIMEOUT}s"
  fi
  t1="$(now)"

  local elapsed
  elapsed="$(seconds_between "$t0" "$t1")"
  RESULTS["direct/$plan"]+="$elapsed "
  say "direct  $plan run $run/$RUNS: ${elapsed} s"

  stop_direct_run "$namespace" "$scope"
}

# Prints the index of the first member whose Patroni REST API says it is the primary (GET /primary: 200).
wait_for_primary() {
  local run_dir="$1"
  shift
  local rest_ports=("$@") deadline i pid alive
  deadline="$(deadline_in "$PROVISION_TIMEOUT")"
  while :; do
    for i in "${!rest_ports[@]}"; do
      if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:${rest_ports[$i]}/primary" || true)" = 200 ]; then
        echo "$i"
        return 0
      fi
    done
    alive=0
    for pid in "${DIRECT_PIDS[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then alive=$((alive + 1)); fi
    done
    if [ "$alive" -eq 0 ] || past "$deadline"; then
      show_log "$run_dir/members/0/patroni.out"
      die "no Patroni member became primary (members alive: $alive)"
    fi
    sleep 0.1
  done
}

# What pgfleet's TenantDatabaseInitializer does on the leader, as the superuser: the owner role with the
# SCRAM verifier (never the password), the database, CONNECT only for the owner, then pgvector in it.
# Names and verifier go in as psql variables, which quote them.
create_tenant_database() {
  local port="$1" password="$2" db="$3" owner="$4" verifier="$5" run_dir="$6" deadline
  local conn=(-X -A -t -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
  # Patroni reports a primary as soon as it runs, possibly a moment before it has set the superuser's
  # password; wait until the superuser can log in.
  deadline="$(deadline_in 60)"
  until PGPASSWORD="$password" PGCONNECT_TIMEOUT=2 timeout --foreground 3 psql "${conn[@]}" -d postgres -c 'select 1' >/dev/null 2>&1; do
    ! past "$deadline" || { show_log "$run_dir/members/0/patroni.out"; die "cannot log in as postgres on port $port"; }
    sleep 0.1
  done
  PGPASSWORD="$password" psql "${conn[@]}" -d postgres -v owner="$owner" -v db="$db" -v verifier="$verifier" >/dev/null <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'verifier';
CREATE DATABASE :"db" OWNER :"owner";
REVOKE CONNECT, TEMPORARY ON DATABASE :"db" FROM PUBLIC;
SQL
  PGPASSWORD="$password" psql "${conn[@]}" -d "$db" -c 'CREATE EXTENSION IF NOT EXISTS vector' >/dev/null
}

# pgbouncer.ini names the leader's port; in an ha run the leader may be another member than in the
# template, so the line is pointed at this run's leader (pgfleet writes it the same way).
point_pooler_at() {
  local ini="$1" db="$2" port="$3"
  sed -i -E "s|^($db = host=[^ ]+ port=)[0-9]+|\\1$port|" "$ini"
  grep -qE "^$db = host=[^ ]+ port=$port " "$ini" || die "could not point $ini at port $port"
}

# Stops the direct run in progress: PgBouncer and Patroni by PID, then any postmaster that outlived its
# Patroni (SIGINT: fast shutdown), then its keys in etcd, then its files.
stop_direct_run() {
  local namespace="${1:-/pgfleet/}" scope="${2:-}" run_dir="$DIRECT_RUN_DIR" pgdata
  [ -n "$run_dir" ] || return 0
  # PgBouncer and all Patroni members get SIGTERM together (stopping is not timed).
  stop_pids "$run_dir/" "$STOP_GRACE" TERM "${DIRECT_PIDS[@]}"
  for pgdata in "$run_dir"/members/*/data/pgdata; do
    stop_pidfile "$pgdata/postmaster.pid" "$pgdata" "$STOP_GRACE" INT
  done
  # Every key under <namespace><scope>/ : etcd's range_end is the prefix with its last byte incremented
  # ('/' + 1 = '0'). The JSON gateway wants both base64-encoded.
  if [ -n "$scope" ]; then
    local range
    range="$(jq -nc --arg key "$(printf '%s' "$namespace$scope/" | base64 -w0)" \
      --arg range_end "$(printf '%s' "$namespace${scope}0" | base64 -w0)" '{key: $key, range_end: $range_end}')"
    curl -sS --max-time 5 -o /dev/null -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/deleterange" -d "$range" \
      || say "could not delete the etcd keys of $scope"
  fi
  rm -rf "$run_dir"
  DIRECT_RUN_DIR=""
  DIRECT_PIDS=()
}

# ---- results --------------------------------------------------------------------------------------

# Medians with two decimals: the table shows them so, and the ratios are of the figures shown.
median2() { median_with 2 "$@"; }

joined() { local v out=""; for v in "$@"; do out+="${out:+, }$(printf '%.2f' "$v")"; done; echo "$out"; }

# The table, the raw runs and the targets, as Markdown (also printed to stdout).
results_markdown() {
  local plan pgfleet direct pm dm
  echo "| Plan | Runs | pgfleet median (s) | direct median (s) | pgfleet / direct |"
  echo "|------|-----:|-------------------:|------------------:|-----------------:|"
  for plan in "${PLANS[@]}"; do
    read -ra pgfleet <<< "${RESULTS[pgfleet/$plan]}"
    read -ra direct <<< "${RESULTS[direct/$plan]}"
    pm="$(median2 "${pgfleet[@]}")"; dm="$(median2 "${direct[@]}")"
    echo "| $plan | $RUNS | $pm | $dm | $(ratio "$pm" "$dm") |"
  done
  echo
  echo "Raw runs, in order (seconds):"
  echo
  echo "| Plan | pgfleet | direct |"
  echo "|------|---------|--------|"
  for plan in "${PLANS[@]}"; do
    read -ra pgfleet <<< "${RESULTS[pgfleet/$plan]}"
    read -ra direct <<< "${RESULTS[direct/$plan]}"
    echo "| $plan | $(joined "${pgfleet[@]}") | $(joined "${direct[@]}") |"
  done
  echo
  echo "Targets:"
  echo
  read -ra pgfleet <<< "${RESULTS[pgfleet/ha]}"
  pm="$(median2 "${pgfleet[@]}")"
  echo "- \`ha\` pgfleet median ≤ 10 s: $pm s — $(verdict "$pm" 10)."
  for plan in "${PLANS[@]}"; do
    read -ra pgfleet <<< "${RESULTS[pgfleet/$plan]}"
    read -ra direct <<< "${RESULTS[direct/$plan]}"
    pm="$(median2 "${pgfleet[@]}")"; dm="$(median2 "${direct[@]}")"
    echo "- \`$plan\` pgfleet / direct ≤ 1.2: $(ratio "$pm" "$dm") — $(verdict "$(ratio "$pm" "$dm")" 1.2)."
  done
}

provisioning_section() {
  cat <<EOF
## Provisioning (\`./pgfleet bench provision\`)

$(machine_markdown)
$(data_plane_versions_markdown "$(yaml_value "$PRIVATE/templates/dev/members/0/patroni.yml" postgresql.bin_dir)")

What is measured, for plan \`dev\` (1 Patroni member) and plan \`ha\` (3 members, synchronous replication),
with $RUNS run(s) per plan and method:

- **pgfleet**: from just before \`POST /api/v1/databases\` to the first successful vector query
  (\`select '[1,2,3]'::vector <-> '[1,2,4]'\`) through the database's PgBouncer, polled every 100 ms with
  psql and the credentials from the API. Each database is deleted (untimed) before the next run.
- **direct**: the same components started by the benchmark script itself, with the configuration files
  pgfleet generated in its first run of that plan (same ports and settings; new Patroni scope, paths in a
  fresh directory): all Patroni members at once; as soon as one answers \`GET /primary\` with 200, the owner
  role, the database and \`CREATE EXTENSION vector\` as the superuser on it; then PgBouncer pointed at it;
  then the same vector query through the pooler. The clock starts just before the Patroni members start.

Both use the same shared etcd, started by the control plane and already running (an untimed warm-up
database is provisioned and deleted first). A fresh control plane runs on its own home under /tmp and ports
$PORT_RANGE_START-$PORT_RANGE_END; all pgfleet runs come first, then all direct runs. Times are wall clock
(\`date +%s.%N\`); medians over the runs.

$(results_markdown)
$(few_runs_note)
EOF
}

# A trial with fewer runs than the benchmark calls for says so, rather than passing for the real thing.
few_runs_note() {
  if [ "$RUNS" -lt 5 ]; then
    echo
    echo "Note: only $RUNS run(s) per plan (\`--runs $RUNS\`): a trial, not the benchmark, which uses at least 5."
  fi
}

# Puts this section into docs/benchmarks.md: in place of an earlier one, else first, right after the title.
write_doc() { write_doc_section "$1" "Provisioning" ""; }

# ---- cleanup ----------------------------------------------------------------------------------------

# Always runs (EXIT trap): the direct run in progress, the control plane, then everything it left under
# its home, by pid file and only while the command line matches; then the home itself.
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ] && [ -n "$PRIVATE" ]; then show_log "$PRIVATE/control-plane.log" 80; fi
  stop_direct_run
  stop_control_plane_and_home
  exit "$rc"
}

main() {
  parse_args "$@"
  check_prerequisites
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  start_control_plane
  warm_up

  local plan run
  for plan in "${PLANS[@]}"; do
    for ((run = 1; run <= RUNS; run++)); do pgfleet_run "$plan" "$run"; done
  done
  for plan in "${PLANS[@]}"; do
    for ((run = 1; run <= RUNS; run++)); do direct_run "$plan" "$run"; done
  done

  provisioning_section > "$PRIVATE/section.md"
  write_doc "$PRIVATE/section.md"
  echo
  results_markdown
  few_runs_note
  echo
  say "wrote $DOC"
}

main "$@"
