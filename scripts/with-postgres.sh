#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL on 127.0.0.1: installs the server from Debian
# when absent, starts a fresh cluster in a temp dir, creates the three roles the application
# expects (a table owner that migrates, an application role that owns nothing, and auth's signer
# role that alone reads signing keys; none a superuser nor BYPASSRLS), exports TEST_POSTGRES_URL /
# TEST_POSTGRES_APP_URL / TEST_POSTGRES_SIGNER_URL (and
# TEST_POSTGRES_ADMIN_URL, the postgres superuser, for tests that make throwaway roles;
# TEST_POSTGRES_BIN for the outage tests' private servers), runs the
# command, and removes the cluster. Usage: bash scripts/with-postgres.sh npm test
set -euo pipefail
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
# The server refuses to run as root: it runs as the postgres user the package creates.
id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
PG_PORT=${PG_PORT:-55432}
PG_DIR=$(mktemp -d /tmp/eventzr-pg.XXXXXX)
chown postgres "$PG_DIR"
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else bash -c "$*"; fi; }
cleanup() { as_pg "$PG_BIN/pg_ctl -D $PG_DIR/data -m immediate stop" >/dev/null 2>&1 || true; rm -rf "$PG_DIR"; }
trap cleanup EXIT
as_pg "$PG_BIN/initdb -D $PG_DIR/data -U postgres --auth=trust -E UTF8" >/dev/null
as_pg "$PG_BIN/pg_ctl -D $PG_DIR/data -l $PG_DIR/log -w -o '-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=300 -c fsync=off'" start >/dev/null
"$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q <<'SQL'
create role eventzr_owner login password 'owner-test' createdb nosuperuser nobypassrls;
create role eventzr_app login password 'app-test' nosuperuser nobypassrls nocreatedb nocreaterole;
create role eventzr_signer login password 'signer-test' nosuperuser nobypassrls nocreatedb nocreaterole;
SQL
export TEST_POSTGRES_URL="postgres://eventzr_owner:owner-test@127.0.0.1:$PG_PORT/postgres"
export TEST_POSTGRES_APP_URL="postgres://eventzr_app:app-test@127.0.0.1:$PG_PORT/postgres"
export TEST_POSTGRES_SIGNER_URL="postgres://eventzr_signer:signer-test@127.0.0.1:$PG_PORT/postgres"
export TEST_POSTGRES_ADMIN_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
# The outage tests stop and start a private server of their own (lib/src/testing/postgres.ts), not this one.
export TEST_POSTGRES_BIN="$PG_BIN"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
"$@"
