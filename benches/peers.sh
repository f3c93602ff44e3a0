# Sourced by the benchmarks: finds the peers (Bun, Deno) on PATH or installs
# them from the npm registry under target/peers/<name>, one prefix each (an
# `npm install --no-save` into a shared prefix removes the other package).
#   BUN=$(find_peer bun @oven/bun-linux-x64-baseline bin/bun)
find_peer() { # command-name npm-package path-in-package
  local found prefix
  found=$(command -v "$1" || true)
  if [ -z "$found" ] && command -v npm >/dev/null 2>&1; then
    prefix=$ROOT/target/peers/$1
    [ -x "$prefix/node_modules/$2/$3" ] ||
      npm install --silent --no-save --no-audit --no-fund --prefix "$prefix" "$2" >/dev/null 2>&1 || true
    [ -x "$prefix/node_modules/$2/$3" ] && found=$prefix/node_modules/$2/$3
  fi
  echo "$found"
}
