#!/usr/bin/env bash
# Runs a command against a throwaway Redis on 127.0.0.1: installs Debian's redis-server when
# absent, starts it on REDIS_PORT (default 56379) with no persistence, exports TEST_REDIS_URL,
# runs the command, and stops the server. Usage: bash scripts/with-redis.sh npm test
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq redis-server >/dev/null
fi
REDIS_PORT=${REDIS_PORT:-56379}
REDIS_DIR=$(mktemp -d /tmp/eventzr-redis.XXXXXX)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$REDIS_DIR" \
  --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/log"
cleanup() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$REDIS_DIR"; }
trap cleanup EXIT
for _ in $(seq 1 50); do
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done
export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
echo "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$REDIS_PORT"
"$@"
