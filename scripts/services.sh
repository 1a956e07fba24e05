#!/usr/bin/env bash
# Makes sure the binaries that integration tests start are present: redis-server (apt) and
# PostgreSQL (preinstalled on these machines). The tests start and stop their own servers.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "» installing redis-server (apt)" >&2
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq >&2 || true
    timeout 600 apt-get install -y -qq redis-server >&2
  else
    echo "redis-server is missing and cannot be installed here (need root and apt-get)" >&2
    exit 1
  fi
fi
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "PostgreSQL binaries (initdb, pg_ctl) are missing" >&2
  exit 1
fi
