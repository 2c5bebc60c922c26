#!/usr/bin/env bash
# leadrelay's benchmark: builds release, starts everything on loopback and
# measures, in one run with the scenarios alternating in every round:
#   bare     the first ceiling: a bare axum handler that parses the JSON body
#   durable  the second ceiling: the same, and each body appended to a file and
#            fdatasync'ed (one writer, one sync per queued group) before its 200
#   steady   leadrelay intake while it delivers to a fast fake Agencyhandy
#   held     leadrelay intake while Agencyhandy refuses the key, then the drain
#   pg1/pg2  steady on PostgreSQL, one replica, then two sharing the load
#   before   (with BEFORE_REV) steady, with leadrelay built from that revision
# and, for leadrelay, from start to the last lead delivered: CPU seconds per
# 1000 leads (from /proc), fsyncs and context switches per 1000 leads (perf,
# when it can count them), create calls, peak memory, the drain.
# Writes BENCHMARKS.md (results + bench/NOTES.md) and README.md's summary of it.
#
# Usage: bench/run.sh     (ROUNDS=3 DURATION=10 CONNECTIONS=32 THREADS=2 by default;
#                          POSTGRES_URL=postgres://postgres@127.0.0.1:5432, empty to skip;
#                          BEFORE_REV=cc48041 measures that revision's leadrelay in the
#                          same run, for the CPU target, instead of the recorded number;
#                          its first build takes several minutes more, or BEFORE_BIN
#                          names that revision's binary, built already)
# Needs: cargo, curl, jq, wrk (installed with apt-get when missing); psql for
# the PostgreSQL scenarios; perf (optional) for the syscall counts.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${BENCH_PORT:-18081}
OUT=${BENCH_OUT:-BENCHMARKS.md}
POSTGRES_URL=${POSTGRES_URL-postgres://postgres@127.0.0.1:5432}
BIN=target/release
BEFORE_REV=${BEFORE_REV:-}
# CPU seconds per 1000 leads end to end (steady, SQLite) before this work
# (commit cc48041), measured with bench/ab.sh on the development VM (see
# bench/NOTES.md); the target is half of it. BEFORE_REV measures it instead.
CPU_BEFORE=${CPU_BEFORE:-0.151}
COMMAND="bench/run.sh (ROUNDS=$ROUNDS DURATION=$DURATION CONNECTIONS=$CONNECTIONS THREADS=$THREADS${BEFORE_REV:+ BEFORE_REV=$BEFORE_REV})"
RUN=$(mktemp -d "${TMPDIR:-/tmp}/leadrelay-bench.XXXXXX")
# shellcheck source=bench/lib.sh
. bench/lib.sh
trap bench_cleanup EXIT

bench_tools
if [ -n "$BEFORE_REV" ] && [ -n "${BEFORE_BIN:-}" ]; then
  # Already built (BEFORE_BIN, the leadrelay binary of BEFORE_REV).
  cp "$BEFORE_BIN" "$RUN/leadrelay-before"
elif [ -n "$BEFORE_REV" ]; then
  # A target directory of its own, kept between runs (the first build of its
  # dependencies takes several minutes on two cores).
  say "building leadrelay at $BEFORE_REV (the before)"
  mkdir -p "$RUN/before"
  git archive "$BEFORE_REV" | tar -x -C "$RUN/before"
  cargo build --release --locked --manifest-path "$RUN/before/Cargo.toml" \
    --target-dir target/bench-before --bin leadrelay
  cp target/bench-before/release/leadrelay "$RUN/leadrelay-before"
fi
bench_build
check_ports_free
SCENARIOS=(bare durable steady held)
[ -z "$BEFORE_REV" ] || SCENARIOS+=(before)
if postgres_usable; then
  SCENARIOS+=(pg1 pg2)
else
  say "PostgreSQL at ${POSTGRES_URL:-(none)} not usable (or no psql): its scenarios are left out"
fi

# --- machine -------------------------------------------------------------------
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

say "starting the ceilings ($BARE_ADDR, $DURABLE_ADDR) and the fake Agencyhandy ($SANDBOX_ADDR, nice 19)"
start_helpers

# rows.tsv: round, scenario, then for the ceilings "load rps p50 p99 non2xx",
# for leadrelay measure_leadrelay's row (bench/lib.sh) with the load last.
ROWS="$RUN/rows.tsv"
: >"$ROWS"
for round in $(seq 1 "$ROUNDS"); do
  for scenario in "${SCENARIOS[@]}"; do
    say "round $round/$ROUNDS: $scenario, ${DURATION}s at $CONNECTIONS connections"
    tag="$scenario$round-$$"
    case $scenario in
      bare | durable)
        addr=$BARE_ADDR; [ "$scenario" = durable ] && addr=$DURABLE_ADDR
        at=$(loadavg)
        read -r r p50 p99 bad < <(measure_reference "$addr" "$tag")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$scenario" "$r" "$p50" "$p99" "$bad" "$at" >>"$ROWS"
        ;;
      steady | held) measure_leadrelay "$scenario" sqlite 1 "$tag" >"$RUN/row" ;;
      before) measure_leadrelay steady sqlite 1 "$tag" "$RUN/leadrelay-before" >"$RUN/row" ;;
      pg1) measure_leadrelay steady postgres 1 "$tag" >"$RUN/row" ;;
      pg2) measure_leadrelay steady postgres 2 "$tag" >"$RUN/row" ;;
    esac
    case $scenario in bare | durable) ;; *) printf '%s\t%s\t%s\n' "$round" "$scenario" "$(cat "$RUN/row")" >>"$ROWS" ;; esac
    say "$(tail -n1 "$ROWS")"
  done
done

# shellcheck source=bench/report.sh
. bench/report.sh
write_report >"$OUT"
say "wrote $OUT"
if [ "$OUT" = BENCHMARKS.md ]; then
  update_readme
  say "updated README.md's summary"
fi
sed -n '/^## Medians/,/^## How/p' "$OUT" | head -n -1 >&2
