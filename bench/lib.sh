# Shared by bench/run.sh (the benchmark) and bench/ab.sh (two builds compared):
# the helpers started once, one scenario of leadrelay measured, and the
# numbers that survive a busy machine (CPU time from /proc, syscall counts).
# Sourced, not run. The caller sets BIN, RUN, PORT and the load settings.

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# --- tools ---------------------------------------------------------------------
bench_tools() {
  local need_apt=()
  command -v wrk >/dev/null || need_apt+=(wrk)
  command -v jq >/dev/null || need_apt+=(jq)
  command -v curl >/dev/null || need_apt+=(curl)
  if ((${#need_apt[@]})); then
    command -v apt-get >/dev/null || die "please install: ${need_apt[*]}"
    say "installing ${need_apt[*]} (apt-get)"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
  # Syscall counts (fsyncs, context switches) when perf can count them; optional.
  PERF_OK=0
  if command -v perf >/dev/null &&
    perf stat -e syscalls:sys_enter_fdatasync true >/dev/null 2>&1; then
    PERF_OK=1
  fi
}

bench_build() {
  say "building release (leadrelay + bench helpers)"
  cargo build --release --locked --features bench \
    --bin leadrelay --bin bench-baseline --bin bench-durable --bin bench-sandbox
}

# --- addresses and processes ---------------------------------------------------
BARE_ADDR="127.0.0.1:${PORT}"
SANDBOX_ADDR="127.0.0.1:$((PORT + 1))"
DURABLE_ADDR="127.0.0.1:$((PORT + 2))"
LR_ADDRS=("127.0.0.1:$((PORT + 3))" "127.0.0.1:$((PORT + 4))")
HELPER_PIDS=()
LR_PIDS=()
LR_JOBS=()

bench_cleanup() {
  local pid
  for pid in "${LR_PIDS[@]}" "${LR_JOBS[@]}" "${HELPER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "${PG_DB:-}" ] || pg_drop
  rm -rf "$RUN"
}

check_ports_free() {
  local addr
  for addr in "$BARE_ADDR" "$SANDBOX_ADDR" "$DURABLE_ADDR" "${LR_ADDRS[@]}"; do
    if curl -s -o /dev/null --max-time 1 "http://$addr/"; then
      die "$addr is in use; set BENCH_PORT to a free base port"
    fi
  done
}

now_ns() { date +%s%N; }
status_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
loadavg() { cut -d' ' -f1 /proc/loadavg; }

# CPU time (user + system, every thread, in clock ticks) of these processes.
cpu_ticks() {
  local pid total=0 ticks
  for pid in "$@"; do
    ticks=$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')
    total=$((total + ticks))
  done
  echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)

# Bytes these processes caused to be written to storage (`/proc/PID/io`).
disk_bytes() {
  local pid total=0 bytes
  for pid in "$@"; do
    bytes=$(awk '$1 == "write_bytes:" { print $2 }' "/proc/$pid/io")
    total=$((total + bytes))
  done
  echo "$total"
}

# Waits until URL answers 200; prints the milliseconds since $2 (ns).
wait_ok() {
  local url=$1 since=$2 deadline=$(($(now_ns) + 15000000000))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url")" = 200 ]; do
    [ "$(now_ns)" -lt "$deadline" ] || die "$url did not answer 200 within 15 s"
  done
  echo $((($(now_ns) - since) / 1000000))
}

# Starts the bare handler, the durable ceiling and the fake Agencyhandy. The
# fake runs at nice 19: its CPU is not leadrelay's cost, and it should take
# as little of the two cores from what is measured as it can.
start_helpers() {
  "$BIN/bench-baseline" "$BARE_ADDR" >"$RUN/baseline.log" 2>&1 &
  HELPER_PIDS+=($!)
  "$BIN/bench-durable" "$DURABLE_ADDR" "$RUN/durable.log" >"$RUN/durable.out" 2>&1 &
  HELPER_PIDS+=($!)
  nice -n 19 "$BIN/bench-sandbox" "$SANDBOX_ADDR" >"$RUN/sandbox.log" 2>&1 &
  HELPER_PIDS+=($!)
  wait_ok "http://$SANDBOX_ADDR/_bench/wait?leads=0&timeout_ms=0" "$(now_ns)" >/dev/null
  local addr
  for addr in "$BARE_ADDR" "$DURABLE_ADDR"; do
    curl -s -o /dev/null --retry 50 --retry-connrefused --retry-delay 0 --max-time 2 \
      -X POST -H 'content-type: application/json' -d '{}' "http://$addr/forms/warmup" || true
  done
}

sandbox() { curl -s -X "$1" "http://$SANDBOX_ADDR/_bench/$2"; }

# --- load ----------------------------------------------------------------------
# Runs wrk against URL with TAG (unique e-mails); prints its RESULT fields.
# Optional: connections, threads.
load() {
  wrk -t"${4:-$THREADS}" -c"${3:-$CONNECTIONS}" -d"${DURATION}s" --latency \
    -s bench/post.lua "$1" -- "$2" | awk '/^RESULT/ { $1 = ""; print }'
}
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
rps() { awk -v n="$(field "$1" requests)" -v us="$(field "$1" duration_us)" 'BEGIN { printf "%.0f", n / (us / 1e6) }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

# Loads the reference handler at ADDR; prints "rps p50_ms p99_ms non2xx".
measure_reference() {
  local r
  r=$(load "http://$1/forms/bench" "$2")
  echo "$(rps "$r") $(ms "$(field "$r" p50_us)") $(ms "$(field "$r" p99_us)") $(field "$r" non2xx)"
}

# --- leadrelay -----------------------------------------------------------------
# Writes leadrelay's config for ADDRESS and storage URL to FILE.
leadrelay_config() {
  cat >"$1" <<EOF
[server]
listen = "$2"
# One client IP sends everything here; the per-IP limit would answer 429.
rate_limit_per_minute = 0

[storage]
url = "$3"

[agencyhandy]
api_url = "http://$SANDBOX_ADDR"
api_key = "sandbox-key"

[delivery]
# Delivery held = key refused; after the release the worker probes again
# within this pause.
pause_secs = 1

[forms.bench]
source = "bench"
EOF
}

# Leads stored (every state), as leadrelay's /metrics counts them.
stored() {
  curl -s "http://$1/metrics" |
    awk '/^leadrelay_leads_stored\{/ { n += $2 } END { print n + 0 }'
}
received_other() {
  curl -s "http://$1/metrics" |
    awk '/^leadrelay_leads_received_total\{/ && !/outcome="accepted"/ { n += $2 } END { print n + 0 }'
}

PG_DB=""
pg_psql() { psql -X -q -v ON_ERROR_STOP=1 "$POSTGRES_URL/postgres" -c "$1" >/dev/null; }
pg_fresh() {
  [ -z "$PG_DB" ] || pg_drop
  PG_DB="leadrelay_bench_$$"
  pg_psql "CREATE DATABASE $PG_DB"
}
pg_drop() { pg_psql "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" || true; PG_DB=""; }
postgres_usable() {
  [ -n "$POSTGRES_URL" ] && command -v psql >/dev/null &&
    psql -X -q "$POSTGRES_URL/postgres" -c 'SELECT 1' >/dev/null 2>&1
}

# Starts leadrelay (BINARY CONFIG LOG); with perf, under `perf stat`, which
# counts its fsync/fdatasync calls and context switches (every thread, start
# to exit) into LOG.perf. Appends the process to LR_PIDS, what to wait for to LR_JOBS.
start_leadrelay() {
  local binary=$1 config=$2 log=$3 job pid
  if [ "$PERF_OK" = 1 ]; then
    RUST_LOG=${RUST_LOG:-info} NO_COLOR=1 perf stat -x, -o "$log.perf" \
      -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync,context-switches,syscalls:sys_enter_pwrite64 \
      -- "$binary" serve --config "$config" 2>>"$log" &
    job=$!
    until pid=$(pgrep -P "$job"); do sleep 0.01; done
  else
    RUST_LOG=${RUST_LOG:-info} NO_COLOR=1 "$binary" serve --config "$config" 2>>"$log" &
    job=$!
    pid=$job
  fi
  LR_JOBS+=("$job")
  LR_PIDS+=("$pid")
}
# Stops the leadrelay processes; prints "fsyncs context_switches pwrites"
# summed over them (or "- - -" without perf). Not in a subshell: it waits for its jobs.
stop_leadrelay() {
  kill -TERM "${LR_PIDS[@]}"
  wait "${LR_JOBS[@]}" || true
  LR_PIDS=()
  LR_JOBS=()
  if [ "$PERF_OK" = 1 ]; then
    cat "$@" | awk -F, '/sys_enter_fsync|sys_enter_fdatasync/ { s += $1 } /context-switches/ { c += $1 }
      /sys_enter_pwrite64/ { w += $1 } END { print s + 0, c + 0, w + 0 }'
  else
    echo "- - -"
  fi
}

# One scenario of leadrelay on fresh storage, from start to the last lead delivered:
#   measure_leadrelay MODE BACKEND REPLICAS TAG [LEADRELAY_BINARY]
# MODE steady: the fake Agencyhandy takes leads during the load (delivery runs);
# MODE held: it refuses the key during the load, then takes them (a drain).
# BACKEND sqlite or postgres; REPLICAS 1 or 2 (2: the load split between them).
# Prints one tab-separated row: rps p50 p99 non2xx stored delivered
# backlog_at_end drain_ms create_calls lookups cpu_intake_ticks cpu_total_ticks
# peak_kib ready_ms fsyncs context_switches other_outcomes load_at_start
# disk_bytes (written to storage from the start of the load to the last lead)
# pwrites (calls over the process's life; SQLite writes a WAL frame in two).
measure_leadrelay() {
  local mode=$1 backend=$2 replicas=$3 tag=$4 binary=${5:-$BIN/leadrelay}
  local url i start ready_ms load_at
  if [ "$backend" = postgres ]; then
    pg_fresh
    url="$POSTGRES_URL/$PG_DB"
  else
    rm -f "$RUN"/leadrelay.db*
    url="sqlite://$RUN/leadrelay.db"
  fi
  if [ "$mode" = held ]; then sandbox POST pause >/dev/null; else sandbox POST release >/dev/null; fi
  LR_PIDS=()
  LR_JOBS=()
  start=$(now_ns)
  for ((i = 0; i < replicas; i++)); do
    leadrelay_config "$RUN/leadrelay$i.toml" "${LR_ADDRS[$i]}" "$url"
    rm -f "$RUN/leadrelay$i.log.perf"
    start_leadrelay "$binary" "$RUN/leadrelay$i.toml" "$RUN/leadrelay$i.log"
  done
  for ((i = 0; i < replicas; i++)); do
    ready_ms=$(wait_ok "http://${LR_ADDRS[$i]}/readyz" "$start")
  done
  sleep 1
  load_at=$(loadavg)
  local cpu0 disk0 results=() r
  cpu0=$(cpu_ticks "${LR_PIDS[@]}")
  disk0=$(disk_bytes "${LR_PIDS[@]}")
  if ((replicas == 1)); then
    results+=("$(load "http://${LR_ADDRS[0]}/forms/bench" "$tag")")
  else
    # Half the connections (and one wrk thread) per replica, side by side.
    local loads=()
    for ((i = 0; i < replicas; i++)); do
      load "http://${LR_ADDRS[$i]}/forms/bench" "$tag-$i" $((CONNECTIONS / replicas)) 1 >"$RUN/wrk$i" &
      loads+=($!)
    done
    wait "${loads[@]}"
    for ((i = 0; i < replicas; i++)); do results+=("$(cat "$RUN/wrk$i")"); done
  fi
  local cpu_intake n other backlog drain
  cpu_intake=$(($(cpu_ticks "${LR_PIDS[@]}") - cpu0))
  sleep 0.5
  n=$(stored "${LR_ADDRS[0]}")
  other=$(received_other "${LR_ADDRS[0]}")
  if [ "$mode" = held ]; then
    backlog=$n
    sandbox POST release >/dev/null
  else
    backlog=$((n - $(sandbox GET "wait?leads=0&timeout_ms=0" | jq -r .leads)))
  fi
  drain=$(sandbox GET "wait?leads=$n&timeout_ms=300000")
  local cpu_total disk peak=0 kib
  cpu_total=$(($(cpu_ticks "${LR_PIDS[@]}") - cpu0))
  disk=$(($(disk_bytes "${LR_PIDS[@]}") - disk0))
  for i in "${LR_PIDS[@]}"; do
    kib=$(status_of "$i" VmHWM)
    ((kib > peak)) && peak=$kib
  done
  stop_leadrelay "$RUN"/leadrelay*.log.perf >"$RUN/syscalls"
  local fsyncs switches pwrites
  read -r fsyncs switches pwrites <"$RUN/syscalls"
  [ "$(jq -r .complete <<<"$drain")" = true ] || say "$mode/$backend: delivery incomplete: $drain"
  # Requests and non-2xx add up over the replicas' loads; rates add up; p50 is
  # their mean and p99 the worse of the two.
  local summed
  summed=$(for r in "${results[@]}"; do
    echo "$(field "$r" requests) $(field "$r" duration_us) $(field "$r" p50_us) $(field "$r" p99_us) $(field "$r" non2xx)"
  done | awk '{ rps += $1 / ($2 / 1e6); p50 += $3; if ($4 > p99) p99 = $4; bad += $5 }
    END { printf "%.0f\t%.2f\t%.2f\t%d", rps, p50 / NR / 1000, p99 / 1000, bad }')
  printf '%s\t' "$summed" "$n" "$(jq -r .leads <<<"$drain")" \
    "$backlog" "$(jq -r '.drain_ms // 0' <<<"$drain")" \
    "$(jq -r .create_calls <<<"$drain")" "$(jq -r '.companies_calls + .roles_calls' <<<"$drain")" \
    "$cpu_intake" "$cpu_total" "$peak" "$ready_ms" "$fsyncs" "$switches" "$((other))" "$load_at" \
    "$disk"
  echo "$pwrites"
}
