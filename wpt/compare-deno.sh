#!/usr/bin/env bash
# Runs the tracked WPT folders (or the given filters) under rt and under
# Deno 2.9.6 with the same runner, pages and reporter (`rt wpt --peer`), then
# prints rt vs Deno per folder on identical subtests (wpt/compare.js).
#
#   wpt/compare-deno.sh [--details] [filters...]
#
# Deno is `$DENO`, or `deno` on PATH, or else installed from the npm registry
# (@deno/linux-x64-glibc@2.9.6) into target/peers/deno. Results are kept in
# target/wpt-rt.json and target/wpt-deno.json.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
DETAILS=()
if [ "${1:-}" = "--details" ]; then DETAILS=(--details); shift; fi
DENO_VERSION=2.9.6
if [ -z "${DENO:-}" ]; then
  DENO=$(command -v deno || true)
fi
if [ -z "$DENO" ]; then
  prefix=target/peers/deno
  pkg=$prefix/node_modules/@deno/linux-x64-glibc/deno
  [ -x "$pkg" ] || npm install --silent --no-save --no-audit --no-fund \
    --prefix "$prefix" "@deno/linux-x64-glibc@$DENO_VERSION" >/dev/null
  DENO=$ROOT/$pkg
fi
echo "peer: $("$DENO" --version | head -1)"
[ -x target/release/rt ] || cargo build --release
# rt's own run fails when a result differs from its expectations; the
# comparison wants the results either way.
target/release/rt wpt --json target/wpt-rt.json "$@" | tail -n 20 || true
target/release/rt wpt --peer "$DENO" --json target/wpt-deno.json "$@" | tail -n 20
target/release/rt run wpt/compare.js target/wpt-rt.json target/wpt-deno.json "${DETAILS[@]}"
