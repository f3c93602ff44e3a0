#!/usr/bin/env bash
# WebSocket throughput, rt vs Bun in the same run: echo messages/s over 16
# connections (8 in flight each) and pub/sub messages delivered/s (100
# subscribers, 1 publisher). The server (benches/ws/server.js, unchanged for
# both) runs on core 0, the load generator (benches/ws_load.rs) on core 1.
#   benches/ws.sh                 # 3 interleaved repetitions of 5 s
#   REPS=1 DURATION=3 benches/ws.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPS=${REPS:-3}
DURATION=${DURATION:-5}
cargo build --release --quiet --bin rt --example ws_load
. benches/peers.sh
BUN=${BUN:-$(find_peer bun @oven/bun-linux-x64-baseline bin/bun)}
LOAD=$ROOT/target/release/examples/ws_load
echo -20 > /proc/self/autogroup 2>/dev/null || true

SERVER=
stop_server() {
  if [ -n "$SERVER" ]; then
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=
  fi
}
trap stop_server EXIT

# Sets SERVER and PORT (not run in a $(...) subshell, so the parent can stop
# the server).
start_server() { # command...
  local log
  log=$(mktemp)
  PORT=0 taskset -c 0 "$@" benches/ws/server.js > "$log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 500); do grep -q '^PORT=' "$log" && break; sleep 0.01; done
  PORT=$(sed -n 's/^PORT=//p' "$log")
  rm -f "$log"
}

declare -A echo_results pubsub_results
run() { # name command...
  local name=$1
  shift
  start_server "$@"
  echo_results[$name]+="$(taskset -c 1 "$LOAD" echo "ws://127.0.0.1:$PORT/echo" 16 "$DURATION") "
  stop_server
  start_server "$@"
  pubsub_results[$name]+="$(taskset -c 1 "$LOAD" pubsub "ws://127.0.0.1:$PORT" 100 "$DURATION") "
  stop_server
}
for _ in $(seq 1 "$REPS"); do
  run rt target/release/rt run
  [ -n "$BUN" ] && run bun "$BUN"
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
report() { # title array-name
  local -n results=$2
  local rt bun
  rt=$(echo "${results[rt]}" | median)
  printf '%-34s rt %9s' "$1" "$rt"
  if [ -n "${results[bun]:-}" ]; then
    bun=$(echo "${results[bun]}" | median)
    printf '   bun %9s   rt/bun %s' "$bun" "$(awk -v a="$rt" -v b="$bun" 'BEGIN{printf "%.2f", a/b}')"
  fi
  echo
}
echo "WebSocket messages/s (median of $REPS x ${DURATION}s)"
report "echo, 16 connections" echo_results
report "pub/sub delivered, 100 subscribers" pubsub_results
