#!/usr/bin/env bash
# Start or stop the real services the test suite talks to (Redis; the S3 server).
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

case "${1:-}" in
  start) start_redis ;;
  stop) stop_redis ;;
  *) echo "usage: scripts/services.sh start|stop" >&2; exit 2 ;;
esac
