# shellcheck shell=bash disable=SC2154  # variables set by scripts/container-test
# Sourced by scripts/container-test: the checks run against the built image,
# and the helpers they share. Every wait polls with a deadline.

# The first container: healthy, not root, delivers a lead.
check_first_container() {
  fake_port=$(free_port)
  port=$(free_port)
  write_env_file
  start_fake
  local started=$EPOCHREALTIME ready interval
  run_container "$run-a"
  wait_ready "$run-a"
  ready=$(elapsed_since "$started")
  wait_healthy "$run-a"
  interval=$(docker inspect -f '{{.Config.Healthcheck.Interval}}' "$run-a")
  step "time to healthy: $(elapsed_since "$started") s from docker run (/readyz answered 200 after $ready s; the first HEALTHCHECK runs after its $interval interval)"
  local pid uid
  pid=$(docker inspect -f '{{.State.Pid}}' "$run-a")
  uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
  [[ "$uid" != 0 ]] || fail "the service runs as root"
  step "ok: the service runs as uid $uid, not root"
  local id
  id=$(post_lead first@example.com)
  wait_for_lead_at_fake first@example.com
  wait_for_state "$run-a" "$id" delivered
  step "ok: a posted lead ($id) was delivered to the fake Agencyhandy"
}

# `docker stop` while a delivery is in flight (Agencyhandy answers slowly): the
# service finishes it, records it and exits 0 within the grace period.
check_drain_on_stop() {
  curl -sSf -o /dev/null -X POST "http://127.0.0.1:$fake_port/_fake/slow?seconds=3"
  drained_id=$(post_lead drained@example.com)
  wait_for_lead_at_fake drained@example.com
  stop_and_check "$run-a"
  check_logs "$run-a"
  docker rm "$run-a" >/dev/null
}

# Agencyhandy goes down; a lead is stored; a new container on the same volume
# delivers it once Agencyhandy is back, and nothing delivered before again.
check_outage_and_restart() {
  stop_fake
  run_container "$run-b"
  wait_ready "$run-b"
  local id
  id=$(post_lead stored@example.com)
  wait_for_state "$run-b" "$id" retrying
  step "ok: with Agencyhandy down, a lead ($id) is accepted and stored (retrying)"
  stop_and_check "$run-b"
  docker rm "$run-b" >/dev/null
  start_fake
  run_container "$run-c"
  wait_ready "$run-c"
  wait_for_lead_at_fake stored@example.com
  wait_for_state "$run-c" "$id" delivered
  wait_for_state "$run-c" "$drained_id" delivered
  [[ "$(fake_emails)" == "stored@example.com" ]] \
    || fail "the new Agencyhandy received more than the stored lead: $(fake_emails)"
  step "ok: a new container on the same volume delivered the stored lead; the one in flight at the stop was recorded delivered and not sent again"
  stop_and_check "$run-c"
  check_logs "$run-c"
  docker rm "$run-c" >/dev/null
}

# docker-compose.yml validates, and its `leadrelay` service runs from it with
# an env file. On the host's network (this engine has no bridge), which cannot
# publish ports: the file is run without the service's `ports`.
check_compose() {
  docker-compose --project-directory "$work" -f "$repo/docker-compose.yml" config -q \
    || fail "docker-compose config refused docker-compose.yml"
  step "ok: docker-compose config accepts docker-compose.yml"
  /usr/bin/python3 - "$repo/docker-compose.yml" "$work/docker-compose.yml" "$image" <<'EOF'
import sys, yaml
compose = yaml.safe_load(open(sys.argv[1]))
service = compose["services"]["leadrelay"]
del service["ports"]
service.update(network_mode="host", image=sys.argv[3])
yaml.safe_dump(compose, open(sys.argv[2], "w"), sort_keys=False)
EOF
  compose up -d --no-build leadrelay 2>"$work/compose.log" \
    || { cat "$work/compose.log" >&2; fail "docker-compose up failed"; }
  local container id code
  container=$(docker inspect -f '{{.Name}}' "$(compose ps -q leadrelay)")
  container=${container#/}
  wait_healthy "$container"
  id=$(post_lead compose@example.com)
  wait_for_lead_at_fake compose@example.com
  wait_for_state "$container" "$id" delivered
  compose stop leadrelay 2>/dev/null
  code=$(docker inspect -f '{{.State.ExitCode}}' "$container")
  [[ "$code" == 0 ]] || fail "the compose service exited $code on stop"
  check_logs "$container"
  compose down -v --remove-orphans 2>/dev/null
  step "ok: docker-compose up ran its leadrelay service with an env file: healthy, delivered a lead, stopped with exit 0"
}

# docker-compose.yml as run here, with the test's env file beside it.
compose() {
  docker-compose --project-name "$run" --project-directory "$work" \
    -f "$work/docker-compose.yml" "$@"
}

# The service's env file: leadrelay.env.example with the test's key, fake and port.
write_env_file() {
  {
    grep -v '^LEADRELAY_AGENCYHANDY__API_KEY=' "$repo/leadrelay.env.example"
    echo "LEADRELAY_AGENCYHANDY__API_KEY=$api_key"
    echo "LEADRELAY_AGENCYHANDY__API_URL=http://127.0.0.1:$fake_port"
    echo "LEADRELAY_SERVER__LISTEN=127.0.0.1:$port"
  } >"$work/leadrelay.env"
}

run_container() {
  docker run -d --name "$1" --network host --env-file "$work/leadrelay.env" \
    -v "$volume:/data" --stop-timeout 30 "$image" >/dev/null
}

# `docker stop` (SIGTERM, 30 s grace): the service drains and exits 0 in time.
stop_and_check() {
  local started=$EPOCHREALTIME took code
  docker stop -t 30 "$1" >/dev/null
  took=$(elapsed_since "$started")
  code=$(docker inspect -f '{{.State.ExitCode}}' "$1")
  [[ "$code" == 0 ]] || fail "$1 exited $code on docker stop (after $took s)"
  docker logs "$1" >"$work/logs" 2>&1
  grep -q 'shutting down' "$work/logs" || fail "$1 logged no shutdown"
  ! grep -q 'shutdown timed out' "$work/logs" || fail "$1 did not drain in time"
  step "ok: docker stop: $1 drained and exited 0 in $took s (grace period 30 s)"
}

# Every log line is a JSON object, and none carries the API key.
check_logs() {
  docker logs "$1" >"$work/logs" 2>&1
  python3 - "$work/logs" <<'EOF' || fail "$1 logged a line that is not JSON"
import json, sys
lines = [line for line in open(sys.argv[1]) if line.strip()]
assert lines, "no log lines"
for line in lines:
    try:
        assert isinstance(json.loads(line), dict)
    except (ValueError, AssertionError):
        sys.exit(f"not a JSON object: {line!r}")
EOF
  ! grep -qF "$api_key" "$work/logs" || fail "$1 logged the API key"
  step "ok: $1 logged $(grep -c . "$work/logs") lines, each a JSON object, none with the API key"
}

wait_ready() {
  local deadline=$((SECONDS + 60))
  until curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$port/readyz"; do
    if ((SECONDS > deadline)); then
      docker logs "$1" 2>&1 | tail -n 20 >&2
      fail "$1: /readyz never answered 200"
    fi
    sleep 0.05
  done
}

wait_healthy() {
  local deadline=$((SECONDS + 90)) state
  while :; do
    state=$(docker inspect -f '{{.State.Status}} {{.State.Health.Status}}' "$1" || true)
    [[ "$state" == "running healthy" ]] && return
    if [[ "$state" != running* ]] || ((SECONDS > deadline)); then
      docker logs "$1" 2>&1 | tail -n 20 >&2
      fail "$1 did not turn healthy ($state)"
    fi
    sleep 0.2
  done
}

# Posts a lead as a website's fetch would; prints its id.
post_lead() {
  local reply
  reply=$(curl -sS --max-time 10 -X POST "http://127.0.0.1:$port/forms/contact" \
    -H 'content-type: application/json' -H 'accept: application/json' \
    -H 'origin: https://example.com' \
    -d "{\"name\": \"Container Test\", \"email\": \"$1\"}") || fail "posting $1 failed"
  python3 -c 'import json, sys; r = json.loads(sys.argv[1]); assert r["status"] == "accepted"; print(r["id"])' \
    "$reply" || fail "posting $1 was answered $reply"
}

wait_for_lead_at_fake() {
  local deadline=$((SECONDS + 60))
  until fake_emails | grep -qxF "$1"; do
    ((SECONDS < deadline)) || fail "the fake Agencyhandy never received $1"
    sleep 0.2
  done
}

# The stored lead's state, as `leadrelay leads show` in the container says it.
wait_for_state() {
  local deadline=$((SECONDS + 60)) state=""
  while :; do
    state=$(docker exec "$1" leadrelay leads show "$2" 2>/dev/null | awk '$1 == "state" { print $2 }' || true)
    [[ "$state" == "$3" ]] && return
    ((SECONDS < deadline)) || fail "lead $2 is $state, never $3"
    sleep 0.2
  done
}

fake_emails() {
  curl -sS --max-time 5 "http://127.0.0.1:$fake_port/_fake/leads" \
    | python3 -c 'import json, sys; print("\n".join(l["email"] for l in json.load(sys.stdin)))'
}

start_fake() {
  python3 "$repo/scripts/fake-agencyhandy.py" "$fake_port" "$api_key" >>"$work/fake.log" 2>&1 &
  fake_pid=$!
  local deadline=$((SECONDS + 20))
  until curl -s -o /dev/null "http://127.0.0.1:$fake_port/_fake/leads"; do
    ((SECONDS < deadline)) || fail "the fake Agencyhandy did not start"
    sleep 0.1
  done
}

stop_fake() {
  [[ -n "$fake_pid" ]] || return 0
  kill "$fake_pid" 2>/dev/null || true
  wait "$fake_pid" 2>/dev/null || true
  fake_pid=""
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

elapsed_since() {
  awk -v from="$1" -v to="$EPOCHREALTIME" 'BEGIN { printf "%.1f", to - from }'
}
