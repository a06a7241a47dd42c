#!/usr/bin/env bash
# Starts Debian's PostgreSQL 15 for the store tests and prints the connection
# string the tests read from BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING.
# Installs the package first when it is missing and we may (root, apt).
set -euo pipefail

PASSWORD=${SHIPYARD_PG_PASSWORD:-shipyard}
PORT=${SHIPYARD_PG_PORT:-5432}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "postgres: installing Debian's postgresql package" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  as_root pg_createcluster "$version" main --port "$PORT" >&2
fi
if ! pg_lsclusters -h | grep -q "^$version main .* online"; then
  echo "postgres: starting cluster $version/main" >&2
  as_root pg_ctlcluster "$version" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
for _ in $(seq 1 50); do
  if as_root runuser -u postgres -- psql -p "$port" -qAtc 'select 1' >/dev/null 2>&1; then break; fi
  sleep 0.2
done
as_root runuser -u postgres -- psql -p "$port" -qc "ALTER USER postgres PASSWORD '$PASSWORD'" >/dev/null
echo "postgresql://postgres:$PASSWORD@127.0.0.1:$port"
