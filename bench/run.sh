#!/usr/bin/env bash
# leadrelay's benchmark (issue 8): builds release, starts everything on
# loopback, measures in one run, A/B alternating per round:
#   A  the ceiling: a bare axum handler that reads a JSON body (bench/src/baseline.rs)
#   B  leadrelay intake: POST /forms/bench, JSON, unique e-mails, every lead
#      committed to SQLite (WAL, synchronous=FULL, group commit) before its 200
# then, per round, the delivery of that round's leads to a fast fake
# Agencyhandy (bench/src/sandbox.rs), memory, and time to ready.
# Writes BENCHMARKS.md (results + bench/NOTES.md).
#
# Usage: bench/run.sh            (ROUNDS=3 DURATION=10 CONNECTIONS=32 by default)
# Needs: cargo, curl, jq, wrk (wrk and jq are installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${BENCH_PORT:-18081}
OUT=${BENCH_OUT:-BENCHMARKS.md}
BASELINE_ADDR="127.0.0.1:${PORT}"
SANDBOX_ADDR="127.0.0.1:$((PORT + 1))"
LEADRELAY_ADDR="127.0.0.1:$((PORT + 2))"
COMMAND="bench/run.sh${*:+ $*} (ROUNDS=$ROUNDS DURATION=$DURATION CONNECTIONS=$CONNECTIONS THREADS=$THREADS)"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------
need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
command -v jq >/dev/null || need_apt+=(jq)
command -v curl >/dev/null || need_apt+=(curl)
if ((${#need_apt[@]})); then
  command -v apt-get >/dev/null || die "please install: ${need_apt[*]}"
  say "installing ${need_apt[*]} (apt-get)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

say "building release (leadrelay + bench helpers)"
cargo build --release --locked --features bench \
  --bin leadrelay --bin bench-baseline --bin bench-sandbox
BIN=target/release
LEADRELAY=$BIN/leadrelay

for addr in "$BASELINE_ADDR" "$SANDBOX_ADDR" "$LEADRELAY_ADDR"; do
  if curl -s -o /dev/null --max-time 1 "http://$addr/"; then
    die "$addr is in use; set BENCH_PORT to a free base port"
  fi
done

RUN=$(mktemp -d "${TMPDIR:-/tmp}/leadrelay-bench.XXXXXX")
PIDS=()
LR_PID=""
cleanup() {
  for pid in "${PIDS[@]}" $LR_PID; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$RUN"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
status_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
loadavg() { cut -d' ' -f1 /proc/loadavg; }

# Waits until URL answers 200; prints the milliseconds since $2 (ns).
wait_ok() {
  local url=$1 since=$2 deadline=$(($(now_ns) + 15000000000))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url")" = 200 ]; do
    [ "$(now_ns)" -lt "$deadline" ] || die "$url did not answer 200 within 15 s"
  done
  echo $((($(now_ns) - since) / 1000000))
}

# Runs wrk against URL with TAG (unique e-mails); prints its RESULT fields.
load() {
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/post.lua "$1" -- "$2" \
    | awk '/^RESULT/ { $1 = ""; print }'
}
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
rps() { awk -v n="$(field "$1" requests)" -v us="$(field "$1" duration_us)" 'BEGIN { printf "%.0f", n / (us / 1e6) }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

# Leads in leadrelay's storage (every state); some were committed for requests
# wrk gave up on when it stopped, so this is at least wrk's count.
stored() {
  curl -s "http://$LEADRELAY_ADDR/metrics" |
    awk '/^leadrelay_leads_stored\{/ { n += $2 } END { print n + 0 }'
}
received_other() {
  curl -s "http://$LEADRELAY_ADDR/metrics" |
    awk '/^leadrelay_leads_received_total\{/ && !/outcome="accepted"/ { n += $2 } END { print n + 0 }'
}

cat >"$RUN/leadrelay.toml" <<EOF
[server]
listen = "$LEADRELAY_ADDR"
# One client IP sends everything here; the per-IP limit would answer 429.
rate_limit_per_minute = 0

[storage]
url = "sqlite://$RUN/leadrelay.db"

[agencyhandy]
api_url = "http://$SANDBOX_ADDR"
api_key = "sandbox-key"

[delivery]
# Delivery is held (key refused) during intake; after the release the worker
# probes again within this pause.
pause_secs = 1

[forms.bench]
source = "bench"
EOF

# --- machine -----------------------------------------------------------------
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
REV="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo '+dirty')"
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
# One synchronous 4 KiB write to the database's disk, the floor of a durable
# commit (it varies a lot on a shared disk: other builds' writes slow it).
FSYNC_MS=$(dd if=/dev/zero of="$RUN/fsync.probe" bs=4k count=200 oflag=dsync 2>&1 |
  awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "s,") printf "%.2f", $(i - 1) * 1000 / 200 }')
rm -f "$RUN/fsync.probe"

say "starting the ceiling ($BASELINE_ADDR) and the fake Agencyhandy ($SANDBOX_ADDR)"
$BIN/bench-baseline "$BASELINE_ADDR" >"$RUN/baseline.log" 2>&1 &
PIDS+=($!)
$BIN/bench-sandbox "$SANDBOX_ADDR" >"$RUN/sandbox.log" 2>&1 &
PIDS+=($!)
wait_ok "http://$SANDBOX_ADDR/_bench/wait?leads=0&timeout_ms=0" "$(now_ns)" >/dev/null
curl -s -o /dev/null -X POST -H 'content-type: application/json' -d '{}' "http://$BASELINE_ADDR/forms/warmup" || true

ROWS="$RUN/rounds.tsv"
: >"$ROWS"
for round in $(seq 1 "$ROUNDS"); do
  curl -s -o /dev/null -X POST "http://$SANDBOX_ADDR/_bench/pause"
  rm -f "$RUN"/leadrelay.db*

  say "round $round/$ROUNDS: leadrelay start"
  start=$(now_ns)
  RUST_LOG=${RUST_LOG:-info} NO_COLOR=1 $LEADRELAY serve --config "$RUN/leadrelay.toml" 2>>"$RUN/leadrelay.log" &
  lr_pid=$!
  LR_PID=$lr_pid
  ready_ms=$(wait_ok "http://$LEADRELAY_ADDR/readyz" "$start")
  sleep 1
  idle_kib=$(status_of "$lr_pid" VmRSS)

  say "round $round/$ROUNDS: A ceiling (bare axum), ${DURATION}s at $CONNECTIONS connections"
  load_a=$(loadavg)
  a=$(load "http://$BASELINE_ADDR/forms/bench" "base$round")
  say "round $round/$ROUNDS: B leadrelay intake, ${DURATION}s at $CONNECTIONS connections"
  load_b=$(loadavg)
  b=$(load "http://$LEADRELAY_ADDR/forms/bench" "lr$round")
  sleep 0.5
  n=$(stored)
  other=$(received_other)
  intake_kib=$(status_of "$lr_pid" VmHWM)

  say "round $round/$ROUNDS: delivery of $n leads"
  curl -s -o /dev/null -X POST "http://$SANDBOX_ADDR/_bench/release"
  drain=$(curl -s "http://$SANDBOX_ADDR/_bench/wait?leads=$n&timeout_ms=180000")
  peak_kib=$(status_of "$lr_pid" VmHWM)
  kill -TERM "$lr_pid"
  wait "$lr_pid" || true
  LR_PID=""

  [ "$(jq -r .complete <<<"$drain")" = true ] || say "round $round: delivery incomplete: $drain"
  printf '%s\t' "$round" \
    "$(rps "$a")" "$(ms "$(field "$a" p50_us)")" "$(ms "$(field "$a" p99_us)")" "$(field "$a" non2xx)" \
    "$(rps "$b")" "$(ms "$(field "$b" p50_us)")" "$(ms "$(field "$b" p99_us)")" "$(field "$b" non2xx)" \
    "$(field "$b" requests)" "$n" "$other" \
    "$(jq -r '.leads' <<<"$drain")" "$(jq -r '.drain_ms' <<<"$drain")" \
    "$(jq -r '.create_calls' <<<"$drain")" "$(jq -r '.companies_calls + .roles_calls' <<<"$drain")" \
    "$ready_ms" "$idle_kib" "$intake_kib" "$peak_kib" "$load_a" "$load_b" >>"$ROWS"
  echo >>"$ROWS"
  say "round $round: $(tail -n1 "$ROWS")"
done

# --- report ------------------------------------------------------------------
# Columns of rounds.tsv:
#  1 round | 2 A rps | 3 A p50 | 4 A p99 | 5 A non2xx | 6 B rps | 7 B p50 | 8 B p99 | 9 B non2xx
# 10 wrk responses | 11 accepted | 12 other outcomes | 13 delivered | 14 drain ms
# 15 create calls | 16 lookups | 17 ready ms | 18 idle KiB | 19 intake HWM KiB | 20 peak KiB
# 21 load at A | 22 load at B
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v c="$1" '{ print $c }' "$ROWS"; }
per_round() { awk -F'\t' "{ print $1 }" "$ROWS"; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { printf f, v }'; }
mib() { fmt "$(awk -v k="$1" 'BEGIN { print k / 1024 }')" "%.1f"; }

ratio_m=$(per_round '$6 / $2' | median)
a_rps_m=$(col 2 | median); b_rps_m=$(col 6 | median)
a_p99_m=$(col 4 | median); b_p50_m=$(col 7 | median); b_p99_m=$(col 8 | median)
non2xx_total=$(per_round '$9 + $12' | awk '{ s += $1 } END { print s }')
lps_m=$(per_round '$13 / ($14 / 1000)' | median)
calls_m=$(per_round '1000 * $15 / $13' | median)
lookups_m=$(per_round '1000 * $16 / $13' | median)
# Calls are whole: N leads in batches of 25 need ⌈N / 25⌉ calls, a hair over
# 40 per 1000 when N is not a multiple of 25; rounds over that bound:
calls_over=$(awk -F'\t' '{ limit = int(($13 * 40 + 999) / 1000); if ($15 > limit) n++ } END { print n + 0 }' "$ROWS")
ready_m=$(col 17 | median)
idle_m=$(col 18 | median)
peak_max=$(col 20 | sort -g | tail -n1)

verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo "**missed**"; fi; }

{
  cat <<EOF
# Benchmarks

Generated by \`bench/run.sh\` (issue 8); numbers from one run, A/B alternating
per round. Do not edit the results by hand: re-run the script.

## Machine and run

| | |
|---|---|
| when | $STARTED |
| code | \`$REV\` |
| CPU | $CPU, $(nproc) cores |
| memory | $MEM |
| kernel | $(uname -sr) |
| load average at start (1, 5, 15 min) | $LOAD_START |
| synchronous 4 KiB write (dd oflag=dsync, database disk) | $FSYNC_MS ms |
| command | \`$COMMAND\` |
| load tool | $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2), $THREADS threads, $CONNECTIONS connections, ${DURATION} s per run, closed loop |

wrk, leadrelay, the ceiling and the fake Agencyhandy share the same $(nproc)
cores. The load average column shows what else ran (other builds on a shared
machine count): compare rounds with care when it is high.

## Results per round

A = the ceiling (bare axum handler reading the JSON body), B = leadrelay
\`POST /forms/bench\` (JSON, unique e-mails; each 200 answered after the lead's
SQLite transaction committed with WAL and \`synchronous=FULL\`).

| round | load (A/B) | A req/s | A p50 ms | A p99 ms | B req/s | B p50 ms | B p99 ms | B/A | B non-2xx | B leads stored |
|---|---|---|---|---|---|---|---|---|---|---|
EOF
  awk -F'\t' '{ printf "| %s | %s / %s | %s | %s | %s | %s | %s | %s | %.2f | %d | %s |\n", $1, $21, $22, $2, $3, $4, $6, $7, $8, $6 / $2, $9 + $12, $11 }' "$ROWS"
  cat <<EOF

Delivery: leadrelay takes each round's load with delivery held (the fake
Agencyhandy refuses the key); then the key is accepted again and the backlog
drains. The drain is timed from the first create call to the moment the fake
holds every lead; calls are counted from the release (the refused probes
during the hold are not counted). Memory from \`/proc/PID/status\`: idle =
VmRSS 1 s after ready, peak = VmHWM at the end of the round (intake + drain).
Ready = process start to the first \`GET /readyz\` 200 (curl polling, fresh
database).

| round | leads | drain s | leads/s | create calls | per 1000 leads | lookups | per 1000 leads | ready ms | idle RSS MiB | peak RSS after intake MiB | peak RSS MiB |
|---|---|---|---|---|---|---|---|---|---|---|---|
EOF
  awk -F'\t' '{ printf "| %s | %d | %.2f | %.0f | %d | %.2f | %d | %.2f | %d | %.1f | %.1f | %.1f |\n", $1, $13, $14 / 1000, $13 / ($14 / 1000), $15, 1000 * $15 / $13, $16, 1000 * $16 / $13, $17, $18 / 1024, $19 / 1024, $20 / 1024 }' "$ROWS"
  cat <<EOF

## Medians and targets (2-core machine)

| measure | median (peak: worst round) | target | |
|---|---|---|---|
| ceiling, bare axum | $(fmt "$a_rps_m" %.0f) req/s, p99 $(fmt "$a_p99_m" %.2f) ms | | |
| leadrelay intake | $(fmt "$b_rps_m" %.0f) req/s, p50 $(fmt "$b_p50_m" %.2f) ms | | |
| intake / ceiling (per-round ratios) | $(fmt "$ratio_m" %.2f)× | ≥ 0.5× | $(verdict "$ratio_m >= 0.5") |
| intake p99 at $CONNECTIONS connections | $(fmt "$b_p99_m" %.2f) ms | ≤ 10 ms | $(verdict "$b_p99_m <= 10") |
| non-2xx answers (all rounds) | $non2xx_total | 0 | $(verdict "$non2xx_total == 0") |
| delivery | $(fmt "$lps_m" %.0f) leads/s | | |
| create calls per 1000 leads | $(fmt "$calls_m" %.2f) | ≤ 40 (calls ≤ ⌈0.04 × leads⌉) | $(verdict "$calls_over == 0") |
| lookups (companies + roles) per 1000 leads | $(fmt "$lookups_m" %.2f) | ≤ 2 | $(verdict "$lookups_m <= 2") |
| peak RSS under that load | $(mib "$peak_max") MiB | ≤ 64 MiB | $(verdict "$peak_max <= 65536") |
| idle RSS | $(mib "$idle_m") MiB | | |
| start to ready | $ready_m ms | ≤ 200 ms | $(verdict "$ready_m <= 200") |

Micro-benchmarks of the pure hot paths (parsing, mapping) are separate:
\`cargo bench --bench hot_paths\`.

EOF
  [ -f bench/NOTES.md ] && cat bench/NOTES.md
} >"$OUT"

say "wrote $OUT"
sed -n '/^## Medians/,/^Micro/p' "$OUT" >&2
