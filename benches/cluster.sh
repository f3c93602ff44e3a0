#!/usr/bin/env bash
# Scaling on this machine: `rt serve --workers 1` vs `--workers 2` (both
# ways of sharing the port: reuseport and handoff) on the bench's own hello
# server (wrk -t1 -c64, plain and 16-deep pipelined), and
# pub/sub deliveries/s (benches/ws/server.js, 100 subscribers) within one
# worker, across two workers, and across two processes through Redis.
#
# Pinning on 2 cores: --workers 1 runs on core 0 with the load generator on
# core 1; --workers 2 needs both cores, so it shares core 1 with the load
# generator (the figures say so).
#   benches/cluster.sh                    # 3 repetitions of 5 s
#   REPS=1 DURATION=3 benches/cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
DURATION=${DURATION:-5}
cargo build --release --quiet --bin rt --example ws_load
RT=$PWD/target/release/rt
LOAD=$PWD/target/release/examples/ws_load
HELLO=${HELLO:-../shared/bench/servers/bun.js}
echo -20 > /proc/self/autogroup 2>/dev/null || true

PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap stop_all EXIT

# start CPUS ARGS... : starts rt serve, sets PORT from its first line.
start() {
  local cpus=$1 log
  shift
  log=$(mktemp)
  taskset -c "$cpus" "$RT" serve --port 0 "$@" > "$log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 500); do grep -qE '^(Listening on|PORT=)' "$log" && break; sleep 0.01; done
  PORT=$(grep -m1 -oE '(:|PORT=)[0-9]+' "$log" | tr -dc '0-9')
  rm -f "$log"
}

wrk_rps() { # port [pipeline]
  local extra=()
  [ "${2:-}" = p16 ] && extra=(-s benches/http/pipeline.lua)
  taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" "${extra[@]}" "http://127.0.0.1:$1/" \
    | awk '/Requests\/sec/ {print int($2)}'
}

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A R
for _ in $(seq 1 "$REPS"); do
  for mode in "1 0" "2 0-1"; do
    set -- $mode
    start "$2" --workers "$1" "$HELLO"
    R[hello-w$1]+="$(wrk_rps "$PORT") "
    R[hello-p16-w$1]+="$(wrk_rps "$PORT" p16) "
    stop_all
    if [ "$1" = 2 ]; then
      start "$2" --workers 2 --workers-accept handoff "$HELLO"
      R[hello-w2-handoff]+="$(wrk_rps "$PORT") "
      R[hello-p16-w2-handoff]+="$(wrk_rps "$PORT" p16) "
      stop_all
    fi
    start "$2" --workers "$1" benches/ws/server.js
    R[pubsub-w$1]+="$(taskset -c 1 "$LOAD" pubsub "ws://127.0.0.1:$PORT" 100 "$DURATION") "
    stop_all
  done
  if command -v redis-server > /dev/null; then
    RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    taskset -c 1 redis-server --bind 127.0.0.1 --port "$RPORT" --save "" --appendonly no > /dev/null &
    PIDS+=($!)
    for _ in $(seq 1 200); do redis-cli -p "$RPORT" ping > /dev/null 2>&1 && break; sleep 0.01; done
    start 0 --pubsub "redis://127.0.0.1:$RPORT" benches/ws/server.js
    SUB=$PORT
    start 0 --pubsub "redis://127.0.0.1:$RPORT" benches/ws/server.js
    R[pubsub-redis]+="$(taskset -c 1 "$LOAD" pubsub "ws://127.0.0.1:$SUB" 100 "$DURATION" "ws://127.0.0.1:$PORT") "
    stop_all
  fi
done
printf '%-34s %12s\n' scenario median
for key in hello-w1 hello-w2 hello-w2-handoff hello-p16-w1 hello-p16-w2 hello-p16-w2-handoff pubsub-w1 pubsub-w2 pubsub-redis; do
  [ -n "${R[$key]:-}" ] && printf '%-34s %12s   (runs: %s)\n' "$key" "$(echo "${R[$key]}" | median)" "${R[$key]}"
done
