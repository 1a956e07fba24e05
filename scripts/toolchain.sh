# Sourced by ./run: puts Node 24 and pnpm 10 (installed from the npm registry into .tools/) on PATH.
# The machine's own Node may be older; it is only used to run npm for this one install.
AJWT_NODE_VERSION=24.21.0
AJWT_PNPM_VERSION=10.34.9
AJWT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
AJWT_TOOLS="$AJWT_ROOT/.tools"

if command -v npm >/dev/null 2>&1; then
  cafile=$(npm config get cafile 2>/dev/null || true)
  if [ -n "$cafile" ] && [ "$cafile" != "null" ] && [ "$cafile" != "undefined" ] && [ -f "$cafile" ]; then
    export NODE_EXTRA_CA_CERTS="$cafile" npm_config_cafile="$cafile"
  fi
fi

ajwt_tools_ok() {
  [ -x "$AJWT_TOOLS/node_modules/.bin/node" ] &&
    [ "$("$AJWT_TOOLS/node_modules/.bin/node" --version 2>/dev/null)" = "v$AJWT_NODE_VERSION" ] &&
    [ "$("$AJWT_TOOLS/node_modules/.bin/pnpm" --version 2>/dev/null)" = "$AJWT_PNPM_VERSION" ]
}

if ! ajwt_tools_ok; then
  echo "» installing Node $AJWT_NODE_VERSION and pnpm $AJWT_PNPM_VERSION into .tools/ (once)" >&2
  mkdir -p "$AJWT_TOOLS"
  for attempt in 1 2 3; do
    if timeout 300 npm install --prefix "$AJWT_TOOLS" --no-audit --no-fund --loglevel=error \
      "node@$AJWT_NODE_VERSION" "pnpm@$AJWT_PNPM_VERSION" >&2 && ajwt_tools_ok; then
      break
    fi
    echo "» tool install attempt $attempt failed" >&2
    [ "$attempt" = 3 ] && { echo "could not install Node $AJWT_NODE_VERSION / pnpm" >&2; exit 1; }
  done
fi

export PATH="$AJWT_TOOLS/node_modules/.bin:$AJWT_ROOT/node_modules/.bin:$PATH"
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 TURBO_NO_UPDATE_NOTIFIER=1
