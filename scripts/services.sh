#!/usr/bin/env bash
# Makes sure the binaries that integration tests start are present: redis-server (apt),
# PostgreSQL (preinstalled on these machines) and the Python peer of the interop tests
# (/usr/bin/python3 with PyJWT and cryptography, apt), and valgrind (apt) for bench's instruction count.
# The tests start and stop their own servers.
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
# Debian's python3-jwt and python3-cryptography are seen by Debian's own interpreter only (not by a
# pyenv or venv python3 earlier on PATH): check, and test, with /usr/bin/python3 explicitly.
if ! /usr/bin/python3 -c 'import jwt, cryptography' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "» installing python3-jwt python3-cryptography (apt)" >&2
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq >&2 || true
    timeout 600 apt-get install -y -qq python3 python3-jwt python3-cryptography >&2
  else
    echo "/usr/bin/python3 with PyJWT and cryptography is missing and cannot be installed here (need root and apt-get): apt-get install python3-jwt python3-cryptography" >&2
    exit 1
  fi
fi
if ! command -v callgrind_control >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "» installing valgrind (apt)" >&2
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq >&2 || true
    timeout 600 apt-get install -y -qq valgrind >&2
  else
    echo "valgrind is missing and cannot be installed here (need root and apt-get)" >&2
    exit 1
  fi
fi
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "PostgreSQL binaries (initdb, pg_ctl) are missing" >&2
  exit 1
fi
