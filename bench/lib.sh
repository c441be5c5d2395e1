# bench/lib.sh: what the benchmark scripts share; sourced (`. "$ROOT/bench/lib.sh"`), never run.
#
# The sourcing script sets JAR (and DOC, for write_doc_section) first. Sourcing only sets the globals
# below; start_control_plane fills in BENCH_HOME, PRIVATE, CP_PID and TENANT_TOKEN, which the other
# functions use and the script's EXIT trap cleans up after (stop_control_plane_and_home).
# shellcheck shell=bash

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Data-plane ports: one block of 1000 below the kernel's ephemeral range (32768+), away from the default
# range of a developer's own instance (20000-29999). The control plane puts the shared etcd on the last
# two ports of the block (client port = end - 1). Every benchmark uses the same block: they never run at
# once, and start_control_plane refuses to start if anything listens there already.
PORT_RANGE_START=30000
PORT_RANGE_END=$((PORT_RANGE_START + 999))
# The control plane's HTTP port: outside the data-plane block and below the ephemeral range.
HTTP_PORT=32100

STOP_GRACE=30           # seconds a process gets after SIGTERM (or the signal given) before SIGKILL
STARTUP_TIMEOUT=120     # seconds the control plane gets to answer /actuator/health with 200
DELETE_TIMEOUT=120
QUIET_TIMEOUT=7200      # how long to wait for another test suite on this machine to finish

BENCH_HOME=""           # the control plane's PGFLEET_HOME for this benchmark
PRIVATE=""              # root-only, under BENCH_HOME: API responses, credentials, control-plane log
CP_PID=""               # the control plane we started
TENANT_TOKEN=""

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Digits only, no leading zero (bash would read 08 as octal), at least 1. Prints the value.
positive_integer() {
  [[ "$2" =~ ^[1-9][0-9]{0,8}$ ]] || die "$1 must be an integer >= 1 (at most 999999999), got '$2'"
  echo "$2"
}

# ---- time --------------------------------------------------------------------------------------------

# Arithmetic on decimals and statistics: bench/stats.py, the one helper for what bash cannot do (no awk or Python
# blocks in the scripts).
stats() { python3 "$BENCH_DIR/stats.py" "$@"; }

now() { date +%s.%N; }

seconds_between() { stats sub 3 "$2" "$1"; }

# A deadline some seconds from now, and whether it has passed.
deadline_in() { stats add 3 "$(now)" "$1"; }
past() { stats lt "$1" "$(now)"; }

millis_to_seconds() { stats div 3 "$1" 1000; }

# ---- processes and files -----------------------------------------------------------------------------

port_listening() { [ -n "$(ss -Hltn "sport = :$1")" ]; }

# One value from a YAML file by dotted path (patroni.yml is nested, so no grep).
yaml_value() { stats yaml "$1" "$2"; }

# The command line of a running process, or nothing.
cmdline_of() { { tr '\0' ' ' < "/proc/$1/cmdline"; } 2>/dev/null || true; }

# Stopping processes is the jar's (dev.pgfleet.system.process.StopCommand): the same rules as the control plane and
# ./pgfleet down — only a process whose command line still contains the marker is signalled (a recycled PID never
# is), all of them at once so they shut down in parallel, SIGKILL for any still there after the grace period.
# Run from the jar without a Spring context; the JAR the sourcing script set, not the copy the control plane runs.
stop_command() {
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$JAR" -Dloader.main=dev.pgfleet.system.process.StopCommand \
    org.springframework.boot.loader.launch.PropertiesLauncher "$@" || say "some processes could not be stopped ($1)"
}

# Processes by PID or pid file (pgfleet's and PostgreSQL's: the PID on the first line), with the marker.
stop_pids() {
  local marker="$1" grace="$2" signal="$3"
  shift 3
  [ "$#" -gt 0 ] || return 0
  stop_command stop "$marker" "$grace" "$signal" "$@"
}

# One process, or the one a pid file names.
stop_pid() { stop_pids "$2" "${3:-$STOP_GRACE}" "${4:-TERM}" "$1"; }
stop_pidfile() { [ -f "$1" ] || return 0; stop_pid "$@"; }

# The last lines of a log, to explain a failure before the home directory is removed.
show_log() {
  local file="$1" lines="${2:-30}"
  [ -f "$file" ] || return 0
  say "---- last $lines lines of $file"
  tail -n "$lines" "$file" >&2 || true
}

# ---- a quiet machine ---------------------------------------------------------------------------------

# Another engineer's test suite (a Maven surefire JVM) on this 2-core machine would skew any timing, so
# timed phases wait until none runs (checking only: it is not ours to stop). Only java processes count: a
# shell whose command line merely mentions surefire (say, a loop waiting for it) is no load.
test_suite_running() {
  local pid
  for pid in $(pgrep -x java || true); do
    if cmdline_of "$pid" | grep -qF surefire; then return 0; fi
  done
  return 1
}

wait_until_quiet() {
  test_suite_running || return 0
  local deadline
  deadline="$(deadline_in "$QUIET_TIMEOUT")"
  say "a test suite (surefire JVM) is running on this machine; waiting for it to finish before timing"
  while test_suite_running; do
    ! past "$deadline" || die "a test suite was still running after ${QUIET_TIMEOUT}s"
    sleep 10
  done
  say "no test suite running any more; going on"
}

# ---- the control plane -----------------------------------------------------------------------------

# Calls the API; prints the HTTP status, leaves the body in $PRIVATE/api-body.json.
api() {
  local method="$1" path="$2" token="$3" body="${4:-}"
  local args=(-sS -o "$PRIVATE/api-body.json" -w '%{http_code}' --max-time 60 -X "$method"
              -H "Authorization: Bearer $token" "http://127.0.0.1:$HTTP_PORT$path")
  if [ -n "$body" ]; then args+=(-H "Content-Type: application/json" --data-binary "$body"); fi
  rm -f "$PRIVATE/api-body.json"
  # On a connection failure curl still prints the status (000) and leaves no body.
  curl "${args[@]}" || true
  touch "$PRIVATE/api-body.json"
}

api_body() { cat "$PRIVATE/api-body.json"; }

# A fresh home reachable by the data-plane user (0755), a control plane on its own port block, and a
# tenant (TENANT_TOKEN) created through the admin API.
start_control_plane() {
  [ -z "$(ss -Hltn "( sport >= :$PORT_RANGE_START and sport <= :$PORT_RANGE_END )")" ] \
    || die "something already listens on a port in $PORT_RANGE_START-$PORT_RANGE_END (another benchmark or test?): $(ss -Hltn "( sport >= :$PORT_RANGE_START and sport <= :$PORT_RANGE_END )" | head -3)"
  ! port_listening "$HTTP_PORT" || die "port $HTTP_PORT (the control plane's HTTP port) is in use"

  BENCH_HOME="$(mktemp -d /tmp/pgfleet-bench-XXXXXX)"
  chmod 0755 "$BENCH_HOME"
  PRIVATE="$BENCH_HOME/bench-private"
  mkdir -m 0700 "$PRIVATE"

  # A copy of the jar: Spring Boot reads classes from it lazily, so a rebuild of the original while the
  # benchmark runs would break the running control plane.
  cp "$JAR" "$PRIVATE/pgfleet-control-plane.jar"

  say "starting the control plane (home $BENCH_HOME, ports $PORT_RANGE_START-$PORT_RANGE_END, http $HTTP_PORT)"
  # Command-line arguments outrank the environment (PGFLEET_HOME, PGFLEET_DB_URL...), so this control plane
  # is self-contained whatever the caller's environment says: its own home, embedded metadata store and
  # master key, port block and HTTP port.
  java -jar "$PRIVATE/pgfleet-control-plane.jar" "--server.port=$HTTP_PORT" "--pgfleet.home=$BENCH_HOME" \
    "--pgfleet.db.url=" "--pgfleet.master-key=" \
    "--pgfleet.local.port-range-start=$PORT_RANGE_START" "--pgfleet.local.port-range-end=$PORT_RANGE_END" \
    >"$PRIVATE/control-plane.log" 2>&1 </dev/null &
  CP_PID=$!
  # Where ./pgfleet up records its control plane too, so that stopping this home stops it first.
  echo "$CP_PID" > "$BENCH_HOME/control-plane.pid"

  local deadline
  deadline="$(deadline_in "$STARTUP_TIMEOUT")"
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$HTTP_PORT/actuator/health" || true)" = 200 ]; do
    kill -0 "$CP_PID" 2>/dev/null || die "the control plane exited during startup"
    ! past "$deadline" || die "the control plane was not healthy within $STARTUP_TIMEOUT s"
    sleep 0.5
  done
  [ -s "$BENCH_HOME/admin-token" ] || die "the control plane wrote no admin token to $BENCH_HOME/admin-token"

  local status
  status="$(api POST /api/v1/tenants "$(tr -d '[:space:]' < "$BENCH_HOME/admin-token")" '{"name":"bench"}')"
  [ "$status" = 201 ] || die "creating the tenant answered $status: $(api_body)"
  TENANT_TOKEN="$(api_body | jq -r .token)"
}

# Polls a database until its status is the wanted one; the last answer stays in api_body.
wait_for_status() {
  local id="$1" wanted="$2" timeout="$3" deadline status current=""
  deadline="$(deadline_in "$timeout")"
  while :; do
    status="$(api GET "/api/v1/databases/$id" "$TENANT_TOKEN")"
    if [ "$status" = 200 ]; then
      current="$(api_body | jq -r .status)"
      if [ "$current" = "$wanted" ]; then return 0; fi
    fi
    if past "$deadline"; then
      die "database $id is not $wanted after ${timeout}s (HTTP $status, status ${current:-?}): $(api_body)"
    fi
    sleep 0.5
  done
}

# For the EXIT trap: deletes a database through the API (so the control plane stops its processes and
# removes what it keeps for it, backups included), waiting a bounded time; never exits, whatever happens.
delete_database_quietly() {
  local id="$1"
  [ -n "$id" ] && [ -n "$CP_PID" ] && kill -0 "$CP_PID" 2>/dev/null || return 0
  local status deadline
  status="$(api DELETE "/api/v1/databases/$id" "$TENANT_TOKEN")"
  if [ "$status" != 202 ]; then
    say "deleting database $id answered $status; the processes are stopped by pid file instead"
    return 0
  fi
  deadline="$(deadline_in "$DELETE_TIMEOUT")"
  until [ "$(api GET "/api/v1/databases/$id" "$TENANT_TOKEN")" = 404 ]; do
    if past "$deadline"; then say "database $id was not gone ${DELETE_TIMEOUT}s after DELETE"; return 0; fi
    sleep 0.5
  done
  say "deleted database $id"
}

# For the EXIT trap: the control plane (recorded in control-plane.pid by start_control_plane), then everything it
# left under its home, poolers, members, leftover postmasters and scratch verification instances, etcd, and the
# metadata store (StopCommand down: what ./pgfleet down runs); then the home itself.
stop_control_plane_and_home() {
  if [ -n "$BENCH_HOME" ] && [ -d "$BENCH_HOME" ]; then
    say "stopping the control plane and everything under $BENCH_HOME"
    stop_command down "$BENCH_HOME"
    rm -rf "$BENCH_HOME"
  fi
}

# ---- results ----------------------------------------------------------------------------------------

# The median of the values after the first, with that many decimals.
median_with() { stats median "$@"; }
median() { median_with 3 "$@"; }

# Nearest-rank percentile: the value at rank ceil(p/100 * n) of the sorted values (p a whole number).
percentile() { stats percentile "$@"; }
maximum() { stats max "$@"; }
sum() { stats sum "$@"; }

ratio() { stats div 2 "$1" "$2"; }
at_most() { stats le "$1" "$2"; }
at_least() { stats ge "$1" "$2"; }
verdict() { if at_most "$1" "$2"; then echo "met"; else echo "**NOT met**"; fi; }
# The same for a lower bound.
at_least_verdict() { if at_least "$1" "$2"; then echo "met"; else echo "**NOT met**"; fi; }

# Bytes as MiB, and bytes over seconds as MiB/s, one decimal.
mib() { stats div 1 "$1" 1048576; }
mib_per_s() { stats div 1 "$(stats div 6 "$1" 1048576)" "$2"; }

# The date and the machine, as Markdown list items; the argument, if any, is added to the machine's line.
machine_markdown() {
  local cpu memory os
  cpu="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  memory="$(stats div 1 "$(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo)" 1048576) GiB"
  os="$(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d '"')"
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- Machine: ${cpu:-unknown CPU}, $(nproc) CPUs (nproc), $memory memory, ${os:-unknown OS}${1:+; $1}"
}

# The data plane's versions, as a Markdown list item; PostgreSQL from the bin_dir pgfleet runs it from.
data_plane_versions_markdown() {
  local bin_dir="$1" postgres patroni etcd pgbouncer
  postgres="$("$bin_dir/postgres" --version | sed 's/^postgres (PostgreSQL) //')"
  patroni="$(patroni --version | sed 's/^patroni //')"
  etcd="$(etcd --version | sed -n 's/^etcd Version: //p')"
  pgbouncer="$(pgbouncer --version | head -n1 | sed 's/^PgBouncer //')"
  echo "- Versions: PostgreSQL $postgres, Patroni $patroni, etcd $etcd, PgBouncer $pgbouncer"
}

# Puts a section (a file starting with "## <heading>") into docs/benchmarks.md ($DOC): in place of an
# earlier section with that heading, right after the section headed <after> (right after the title when <after> is
# empty), or at the end if there is none; every other section stays as it is. A missing file gets the title first.
write_doc_section() { stats doc-section "$DOC" "$1" "$2" "$3"; }

# Creates the ha database DB_NAME for TENANT_TOKEN through the API and waits (PROVISION_TIMEOUT) until READY;
# sets DB_ID. The last API answer (api_body) is then the READY database.
create_ha_database() {
  local status
  say "provisioning the ha database '$DB_NAME'"
  status="$(api POST /api/v1/databases "$TENANT_TOKEN" "$(jq -nc --arg name "$DB_NAME" '{name: $name, plan: "ha"}')")"
  [ "$status" = 202 ] || die "creating the database answered $status: $(api_body)"
  DB_ID="$(api_body | jq -r .id)"
  wait_for_status "$DB_ID" READY "$PROVISION_TIMEOUT"
}
