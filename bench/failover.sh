#!/usr/bin/env bash
# bench/failover.sh: how long writes stop when an `ha` database loses its leader, abruptly or by a planned
# switchover, as pgfleet's own failover drills measure it. Run it as `./pgfleet bench failover [--runs N]`.
#
# It provisions one `ha` database (3 Patroni members, synchronous mode) and runs N drills of each type
# (default 20), alternating: kill-primary, switchover, kill-primary, ... Each is
#   POST /api/v1/databases/{id}/drills {"type": ...}, polled until PASSED or FAILED;
# before each the database must be READY again (a drill is refused with 409 until the cluster is whole,
# and then retried). Per type: p50/p95/max write unavailability, failed transactions, lost acknowledged
# writes and the old leader's rejoin time, against the targets (kill-primary p95 <= 10 s with no lost
# write; switchover p95 <= 2 s with no failed transaction). Then it writes the "Failover" section of
# docs/benchmarks.md (after "Backup", leaving the others alone) and prints the table.
#
# Everything runs under a fresh PGFLEET_HOME in /tmp with its own control plane and its own port block;
# an EXIT trap deletes the database, stops every process it started (by PID, after checking its command
# line) and removes the home.
# machine_markdown (bench/lib.sh) takes an optional note; called here without one.
# shellcheck disable=SC2119
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/control-plane/target/pgfleet-control-plane.jar"
DOC="$ROOT/docs/benchmarks.md"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

DEFAULT_RUNS=20
RUNS="$DEFAULT_RUNS"    # drills per type
TYPES=(kill-primary switchover)
DB_NAME=bench
PROVISION_TIMEOUT=300
DRILL_TIMEOUT=300       # one drill, from its 202 until PASSED or FAILED
READY_TIMEOUT=300       # between drills: READY again, and the next drill accepted
# The targets (the ha plan's FailoverTargets), in milliseconds.
KILL_PRIMARY_P95_TARGET_MS=10000
SWITCHOVER_P95_TARGET_MS=2000

DB_ID=""
BIN_DIR=""              # the PostgreSQL binaries pgfleet runs (from the member's patroni.yml), for the versions
TTL=""; LOOP_WAIT=""; RETRY_TIMEOUT=""   # the database's Patroni timing, read from its patroni.yml
SCRIPT_START=""
DRILL_ID=""             # set by request_drill
DRILL_DISTURBED=0       # set by wait_for_drill: 1 if a test suite ran on the machine during the drill

# Per drill, in the order run; "" where the API gave null (a figure that could not be taken).
D_TYPE=(); D_STATUS=(); D_REASON=(); D_OLD=(); D_NEW=()
D_UNAVAILABLE_MS=(); D_FAILED_TX=(); D_ACKED=(); D_LOST=(); D_REJOIN_MS=()
D_DISTURBED=()          # 1 if a test suite ran on the machine during the drill

usage() {
  cat <<'EOF'
usage: ./pgfleet bench failover [--runs N]

Provisions an ha database and runs N failover drills of each type (kill-primary, switchover; default 20),
alternating. Reports write unavailability, failed transactions and lost writes. Writes docs/benchmarks.md.
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
      -h|--help) usage; exit 0 ;;
      *) usage >&2; die "unknown argument: $1" ;;
    esac
  done
}

check_prerequisites() {
  local cmd
  for cmd in java patroni etcd pgbouncer curl jq ss python3 pgrep; do
    command -v "$cmd" >/dev/null || die "$cmd is missing (./pgfleet bench failover installs the components)"
  done
  [ -f "$JAR" ] || die "$JAR is missing; build it: ./mvnw -q -B -DskipTests package"
}

# ---- the database -----------------------------------------------------------------------------------

# Creates the ha database, waits until READY, and reads what the report needs from a member's patroni.yml.
create_database() {
  local config
  create_ha_database

  config="$BENCH_HOME/databases/$DB_ID/members/0/patroni.yml"
  [ -f "$config" ] || die "no $config"
  BIN_DIR="$(yaml_value "$config" postgresql.bin_dir)"
  # bootstrap.dcs: what the cluster was created with (Patroni ignores it on later starts).
  TTL="$(yaml_value "$config" bootstrap.dcs.ttl)"
  LOOP_WAIT="$(yaml_value "$config" bootstrap.dcs.loop_wait)"
  RETRY_TIMEOUT="$(yaml_value "$config" bootstrap.dcs.retry_timeout)"
  say "database $DB_ID is READY (Patroni ttl $TTL s, loop_wait $LOOP_WAIT s, retry_timeout $RETRY_TIMEOUT s)"
}

# ---- drills -----------------------------------------------------------------------------------------

# Starts a drill once the database is READY; sets DRILL_ID. The API refuses (409) while the cluster is not
# whole (the old leader of the previous drill still catching up) or another drill runs: waited out, retried.
request_drill() {
  local type="$1" deadline status refused=0
  wait_until_quiet
  deadline="$(deadline_in "$READY_TIMEOUT")"
  while :; do
    wait_for_status "$DB_ID" READY "$READY_TIMEOUT"
    status="$(api POST "/api/v1/databases/$DB_ID/drills" "$TENANT_TOKEN" "$(jq -nc --arg type "$type" '{type: $type}')")"
    case "$status" in
      202) DRILL_ID="$(api_body | jq -r .id)"; return 0 ;;
      409)
        if [ "$refused" -eq 0 ]; then say "the $type drill was refused for now (409: $(api_body | jq -r '.detail // .title // .')); retrying"; fi
        refused=$((refused + 1)) ;;
      *) die "POST drills ($type) answered $status: $(api_body)" ;;
    esac
    ! past "$deadline" || die "no $type drill accepted within ${READY_TIMEOUT}s; the last answer was 409: $(api_body)"
    sleep 2
  done
}

# Polls the drill once a second until it has a result; the drill's JSON stays in $PRIVATE/drill-<n>.json.
# Sets DRILL_DISTURBED if a test suite ran meanwhile (it is not ours to stop; it is reported).
wait_for_drill() {
  local n="$1" deadline status current=""
  DRILL_DISTURBED=0
  deadline="$(deadline_in "$DRILL_TIMEOUT")"
  while :; do
    if test_suite_running; then DRILL_DISTURBED=1; fi
    status="$(api GET "/api/v1/databases/$DB_ID/drills/$DRILL_ID" "$TENANT_TOKEN")"
    if [ "$status" = 200 ]; then
      current="$(api_body | jq -r .status)"
      if [ "$current" = PASSED ] || [ "$current" = FAILED ]; then
        cp "$PRIVATE/api-body.json" "$PRIVATE/drill-$n.json"
        return 0
      fi
    fi
    ! past "$deadline" || die "drill $DRILL_ID has no result after ${DRILL_TIMEOUT}s (HTTP $status, status ${current:-?}): $(api_body)"
    sleep 1
  done
}

# One drill of the type: requested, waited for, its figures kept.
run_drill() {
  local type="$1" run="$2" n="$3" file
  request_drill "$type"
  wait_for_drill "$n"
  file="$PRIVATE/drill-$n.json"
  [ "$(jq -r .type "$file")" = "$type" ] || die "drill $DRILL_ID is of type $(jq -r .type "$file"), not $type"
  D_TYPE+=("$type")
  D_STATUS+=("$(field "$file" .status)")
  D_REASON+=("$(field "$file" .statusReason)")
  D_OLD+=("$(field "$file" .oldLeader)")
  D_NEW+=("$(field "$file" .newLeader)")
  D_UNAVAILABLE_MS+=("$(field "$file" .writeUnavailableMillis)")
  D_FAILED_TX+=("$(field "$file" .failedTransactions)")
  D_ACKED+=("$(field "$file" .acknowledgedWrites)")
  D_LOST+=("$(field "$file" .lostWrites)")
  D_REJOIN_MS+=("$(field "$file" .oldLeaderRejoinMillis)")
  D_DISTURBED+=("$DRILL_DISTURBED")
  local i=$((n - 1))
  say "$type $run/$RUNS: ${D_STATUS[$i]}, writes unavailable $(seconds_or_dash "${D_UNAVAILABLE_MS[$i]}") s," \
      "${D_FAILED_TX[$i]:-?} failed transactions, ${D_LOST[$i]:-?} of ${D_ACKED[$i]:-?} acknowledged writes lost," \
      "${D_OLD[$i]:-?} -> ${D_NEW[$i]:-?}, rejoin $(seconds_or_dash "${D_REJOIN_MS[$i]}") s"
  if [ "${D_STATUS[$i]}" = FAILED ]; then say "  statusReason: ${D_REASON[$i]}"; fi
}

# A field of a drill's JSON; "" for null. (Only null and false are empty to jq's //, and no figure is false.)
field() { jq -r "$2 // \"\"" "$1"; }

# ---- results ----------------------------------------------------------------------------------------

# Milliseconds as seconds with two decimals; a dash for a figure that is missing.
seconds_or_dash() { if [ -n "$1" ]; then stats div 2 "$1" 1000; else echo "—"; fi; }

# percentile, maximum and sum: bench/lib.sh (bench/stats.py).

# The indices of the drills of a type, and the non-empty values of a per-drill array at those indices.
indices_of() { local i; for i in "${!D_TYPE[@]}"; do [ "${D_TYPE[$i]}" != "$1" ] || echo "$i"; done; }
values_at() {
  local -n array="$1"
  local i
  for i in "${@:2}"; do [ -z "${array[$i]}" ] || echo "${array[$i]}"; done
}

# The per-type figures, in S_* (milliseconds for times; "" where no drill measured it).
S_RUNS=0; S_PASSED=0; S_FAILED=0; S_P50=""; S_P95=""; S_MAX=""; S_FAILED_TX=0; S_LOST=0; S_REJOIN=""
S_NO_WRITE=0            # drills without a write acknowledged after the fault (no unavailability figure)
stats_for() {
  local type="$1" idx=() unavailable=() failed_tx=() lost=() rejoin=() i
  mapfile -t idx < <(indices_of "$type")
  mapfile -t unavailable < <(values_at D_UNAVAILABLE_MS "${idx[@]}")
  mapfile -t failed_tx < <(values_at D_FAILED_TX "${idx[@]}")
  mapfile -t lost < <(values_at D_LOST "${idx[@]}")
  mapfile -t rejoin < <(values_at D_REJOIN_MS "${idx[@]}")
  S_RUNS="${#idx[@]}"; S_PASSED=0; S_FAILED=0
  for i in "${idx[@]}"; do
    if [ "${D_STATUS[$i]}" = PASSED ]; then S_PASSED=$((S_PASSED + 1)); else S_FAILED=$((S_FAILED + 1)); fi
  done
  S_NO_WRITE=$((S_RUNS - ${#unavailable[@]}))
  S_P50=""; S_P95=""; S_MAX=""; S_REJOIN=""
  if [ "${#unavailable[@]}" -gt 0 ]; then
    S_P50="$(percentile 50 "${unavailable[@]}")"
    S_P95="$(percentile 95 "${unavailable[@]}")"
    S_MAX="$(maximum "${unavailable[@]}")"
  fi
  S_FAILED_TX="$(sum "${failed_tx[@]}")"
  S_LOST="$(sum "${lost[@]}")"
  if [ "${#rejoin[@]}" -gt 0 ]; then S_REJOIN="$(median_with 0 "${rejoin[@]}")"; fi
}

# A target on a p95 (ms) that every drill must have measured; prints "X s — met" or "... — **NOT met**".
p95_verdict() {
  local p95="$1" limit_ms="$2" no_write="$3"
  if [ -z "$p95" ]; then echo "no drill measured it — **NOT met**"; return; fi
  local text
  text="$(seconds_or_dash "$p95") s"
  if [ "$no_write" -gt 0 ]; then
    echo "$text, but $no_write drill(s) have no figure (see the drills that FAILED) — **NOT met**"
  else
    echo "$text — $(verdict "$p95" "$limit_ms")"
  fi
}

zero_verdict() { if [ "$1" -eq 0 ]; then echo "$1 — met"; else echo "$1 — **NOT met**"; fi; }

# The table, the targets and the drills that failed, as Markdown (also printed to stdout).
results_markdown() {
  local type
  echo "| Drill | Runs | Passed / failed | p50 write unavailability (s) | p95 (s) | max (s) | Failed transactions | Lost writes | Median rejoin (s) |"
  echo "|-------|-----:|----------------:|-----------------------------:|--------:|--------:|--------------------:|------------:|------------------:|"
  for type in "${TYPES[@]}"; do
    stats_for "$type"
    echo "| $type | $S_RUNS | $S_PASSED / $S_FAILED | $(seconds_or_dash "$S_P50") | $(seconds_or_dash "$S_P95") | $(seconds_or_dash "$S_MAX") | $S_FAILED_TX | $S_LOST | $(seconds_or_dash "$S_REJOIN") |"
  done
  echo
  echo "Targets:"
  echo
  stats_for kill-primary
  echo "- \`kill-primary\` p95 write unavailability ≤ $((KILL_PRIMARY_P95_TARGET_MS / 1000)) s: $(p95_verdict "$S_P95" "$KILL_PRIMARY_P95_TARGET_MS" "$S_NO_WRITE")."
  echo "- \`kill-primary\` lost acknowledged writes = 0: $(zero_verdict "$S_LOST")."
  stats_for switchover
  echo "- \`switchover\` p95 write pause ≤ $((SWITCHOVER_P95_TARGET_MS / 1000)) s: $(p95_verdict "$S_P95" "$SWITCHOVER_P95_TARGET_MS" "$S_NO_WRITE")."
  echo "- \`switchover\` failed transactions = 0: $(zero_verdict "$S_FAILED_TX")."

  local i failed=() disturbed=()
  for i in "${!D_TYPE[@]}"; do
    if [ "${D_STATUS[$i]}" != PASSED ]; then failed+=("$i"); fi
    if [ "${D_DISTURBED[$i]}" = 1 ]; then disturbed+=("#$((i + 1))"); fi
  done
  if [ "${#failed[@]}" -eq 0 ]; then
    echo "- Every drill PASSED its own checks (the plan's per-drill limits, a new leader, the old leader back as a replica within 2 minutes)."
  else
    echo "- Drills that FAILED their own checks:"
    for i in "${failed[@]}"; do
      echo "  - #$((i + 1)) ${D_TYPE[$i]}: ${D_REASON[$i]}"
    done
  fi
  if [ "${#disturbed[@]}" -gt 0 ]; then
    echo "- **Disturbed**: a test suite ran on the machine during drill(s) $(printf '%s, ' "${disturbed[@]}" | sed 's/, $//'); their figures may be skewed."
  fi
}

# Every drill, one row each, folded away in the document.
drills_markdown() {
  local i
  echo "<details>"
  echo "<summary>Each drill, in the order run</summary>"
  echo
  echo "| # | Drill | Status | Leader: old → new | Writes unavailable (s) | Failed transactions | Acknowledged writes | Lost writes | Rejoin (s) |"
  echo "|--:|-------|--------|-------------------|-----------------------:|--------------------:|--------------------:|------------:|-----------:|"
  for i in "${!D_TYPE[@]}"; do
    echo "| $((i + 1)) | ${D_TYPE[$i]} | ${D_STATUS[$i]} | ${D_OLD[$i]:-—} → ${D_NEW[$i]:-—} | $(seconds_or_dash "${D_UNAVAILABLE_MS[$i]}") | ${D_FAILED_TX[$i]:-—} | ${D_ACKED[$i]:-—} | ${D_LOST[$i]:-—} | $(seconds_or_dash "${D_REJOIN_MS[$i]}") |"
  done
  echo
  echo "</details>"
}

failover_section() {
  cat <<EOF
## Failover (\`./pgfleet bench failover\`)

$(machine_markdown)
$(data_plane_versions_markdown "$BIN_DIR")

The database: one \`ha\` database (3 Patroni members, synchronous mode, PgBouncer in transaction mode), on a
fresh control plane with its own home under /tmp and ports $PORT_RANGE_START-$PORT_RANGE_END. $RUNS drill(s) of each
type through \`POST /api/v1/databases/{id}/drills\`, alternating (kill-primary, switchover, kill-primary, ...);
before each the database is \`READY\` again (a drill is refused with 409 until the cluster is whole, and
retried) and the script has waited until no test suite runs on the machine.

What is measured is the drill's own write probe: a client writing sequence-numbered rows, each in its own
transaction, 10 ms after the previous commit returned, through the database's pooler (the address tenants
use). Write
unavailability runs from the last write acknowledged before the fault to the first acknowledged after it
(or the longest gap between acknowledgements after the fault, where the pooler held writes a little
later); failed transactions are probe transactions that got an error; lost writes are acknowledged writes
missing when the probe reads its rows back afterwards; rejoin runs from the fault until the old leader is
a healthy replica again and the cluster is whole. **kill-primary** SIGKILLs the leader's Patroni and its
PostgreSQL at once, as a machine losing power would stop them: nobody releases the leader key, so the
replicas elect a new leader only once it expires. The \`ha\` plan's Patroni timing (ttl $TTL s, loop_wait $LOOP_WAIT s,
retry_timeout $RETRY_TIMEOUT s; Patroni needs loop_wait + 2 × retry_timeout ≤ ttl) bounds that at ttl + loop_wait =
$((TTL + LOOP_WAIT)) s after the leader's last refresh, plus the promotion and the pooler's retarget. **switchover**
is planned: a checkpoint on the leader, then PgBouncer \`PAUSE\` (new transactions wait at the pooler),
Patroni's switchover to the synchronous standby, the pooler pointed at the new leader, \`RESUME\`: clients
wait instead of failing, and the write pause is the time they wait. Percentiles are nearest-rank (the
value at rank ⌈p/100 × n⌉ of the sorted figures), so p50 is one of the measured values, and p95 of fewer
than 20 runs is the maximum; the rejoin is the median.

$(results_markdown)

$(drills_markdown)
$(trial_note)
EOF
}

# A trial with fewer runs than the benchmark calls for says so, rather than passing for the real thing.
trial_note() {
  if [ "$RUNS" -lt "$DEFAULT_RUNS" ]; then
    echo
    echo "Note: a trial (\`--runs $RUNS\`), not the benchmark, which uses $DEFAULT_RUNS drills of each type."
  fi
}

# ---- cleanup ----------------------------------------------------------------------------------------

# Always runs (EXIT trap): the database (through the API), the control plane, then everything it left under
# its home, by pid file and only while the command line matches; then the home itself.
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ] && [ -n "$PRIVATE" ]; then show_log "$PRIVATE/control-plane.log" 80; fi
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

  local run type n=0
  for ((run = 1; run <= RUNS; run++)); do
    for type in "${TYPES[@]}"; do
      n=$((n + 1))
      run_drill "$type" "$run" "$n"
    done
  done

  failover_section > "$PRIVATE/section.md"
  # After the Backup section (the others stay byte for byte as they are), or at the end.
  write_doc_section "$PRIVATE/section.md" Failover Backup
  echo
  results_markdown
  trial_note
  echo
  say "wrote $DOC"
}

main "$@"
