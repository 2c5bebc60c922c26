#!/usr/bin/env bash
# Two leadrelay builds compared on a busy machine: the same scenario, runs
# alternating A, B, A, B…, reporting what survives other load (CPU seconds per
# 1000 leads from /proc, fsyncs and context switches per 1000 leads from perf)
# beside throughput and p99, which do not.
#
# Usage: bench/ab.sh OLD_BINARY NEW_BINARY   (ROUNDS=4 DURATION=8 MODE=steady by default)
# MODE is steady or held; BACKEND sqlite (default) or postgres (POSTGRES_URL).
# Build the helpers first (bench/run.sh does, or: cargo build --release
# --features bench --bin bench-baseline --bin bench-durable --bin bench-sandbox).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { sed -n '2,10p' "$0"; exit 2; }
OLD=$(realpath "$1")
NEW=$(realpath "$2")
ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
MODE=${MODE:-steady}
BACKEND=${BACKEND:-sqlite}
POSTGRES_URL=${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${BENCH_PORT:-18181}
BIN=${BENCH_BIN:-target/release}
RUN=$(mktemp -d "${TMPDIR:-/tmp}/leadrelay-ab.XXXXXX")
# shellcheck source=bench/lib.sh
. bench/lib.sh
trap bench_cleanup EXIT
bench_tools
check_ports_free
start_helpers

printf 'build\trun\tload\treq/s\tp99 ms\tleads\tCPU s/1000 leads\tintake CPU s/1000\tfsyncs/1000\tctx sw/1000\tdisk KiB/lead\tpwrites/lead\tcalls/1000\tpeak MiB\n'
for round in $(seq 1 "$ROUNDS"); do
  for build in A B; do
    binary=$OLD; [ $build = B ] && binary=$NEW
    measure_leadrelay "$MODE" "$BACKEND" 1 "ab$build$round-$$" "$binary" >"$RUN/row"
    awk -F'\t' -v b="$build" -v r="$round" -v tck="$CLK_TCK" '{
      n = $5
      printf "%s\t%s\t%s\t%s\t%s\t%d\t%.3f\t%.3f\t%s\t%s\t%.2f\t%s\t%.1f\t%.1f\n", b, r, $18, $1, $3, n,
        1000 * $12 / tck / n, 1000 * $11 / tck / n,
        ($15 == "-" ? "-" : sprintf("%.1f", 1000 * $15 / n)),
        ($16 == "-" ? "-" : sprintf("%.0f", 1000 * $16 / n)), $19 / 1024 / n,
        ($20 == "-" ? "-" : sprintf("%.2f", $20 / n)),
        1000 * $9 / $6, $13 / 1024 }' "$RUN/row"
  done
done
