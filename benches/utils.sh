#!/usr/bin/env bash
# Bun's utilities (issue 17), rt next to Bun: hashing, passwords,
# escapeHTML, gzip, console/Bun.inspect formatting, Bun.redis against a
# redis-server started here on a free loopback port (stopped by its pid),
# and the start-up cost of `import { serve } from "bun"`.
#
#   RT [target/release/rt]   BUN [bun on PATH]   RUNS [40]
set -euo pipefail
cd "$(dirname "$0")/.."
RT=${RT:-$PWD/target/release/rt}
BUN=${BUN:-$(command -v bun || true)}
RUNS=${RUNS:-40}
DIR=benches/utils

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no >/dev/null &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null || true' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done

empty=$(mktemp --suffix=.mjs)
startup() {
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$RUNS"); do "$@" >/dev/null; done
  end=$(date +%s%N)
  echo "$(( (end - start) / RUNS / 1000 )) us"
}
for runtime in rt bun; do
  if [[ $runtime == rt ]]; then run=("$RT" run); else
    [[ -n $BUN ]] || { echo "bun not found (../shared/bench/install.sh)"; continue; }
    run=("$BUN")
  fi
  echo "== $runtime"
  "${run[@]}" $DIR/hash.js
  "${run[@]}" $DIR/redis.js "redis://127.0.0.1:$port"
  "${run[@]}" $DIR/inspect.js >/dev/null
  echo "start-up, empty script: $(startup "${run[@]}" "$empty"); with import from \"bun\": $(startup "${run[@]}" $DIR/startup.js)"
done
rm -f "$empty"
