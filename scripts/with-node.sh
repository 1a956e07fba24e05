#!/usr/bin/env bash
# scripts/with-node.sh MAJOR CMD… — runs CMD with the latest Node MAJOR first on PATH, installed
# from the npm registry into .tools/node-MAJOR (once). CI runs the packed-tarball smoke test on
# the oldest supported Node (engines: >=22) this way, as well as on the project's Node 24.
set -euo pipefail
major=$1
shift
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir="$root/.tools/node-$major"
bin="$dir/node_modules/node/bin"
if [ ! -x "$bin/node" ] || [[ "$("$bin/node" --version 2>/dev/null)" != v$major.* ]]; then
  echo "» installing Node $major into .tools/node-$major (once)" >&2
  mkdir -p "$dir"
  timeout 300 npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "node@$major" >&2
fi
export PATH="$bin:$PATH"
echo "» $(node --version): $*" >&2
exec "$@"
