#!/usr/bin/env bash
# Interleaved A/B of rt builds on one HTTP scenario: each repetition starts
# every binary in turn on ../shared/bench/servers/bun.js (server on CPU 0),
# loads it with wrk (CPU 1, -t1 -c64, the shared harness's wrk.lua) and
# stops it by its pid, so machine drift hits all builds alike. Prints
# "binary req/s cpu-µs/req" per run; compare medians. The server's CPU time
# per request (utime+stime from /proc over wrk's request count) holds still
# when a shared host steals time and throughput swings.
#
#   benches/ab.sh PATH METHOD BODY_BYTES PIPELINE BIN...
#   e.g. REPS=5 DUR=3 benches/ab.sh /echo POST 65536 1 /tmp/rt-old target/release/rt
#   REPS [3]  DUR [3] seconds per run
set -euo pipefail
cd "$(dirname "$0")/.."
path=$1 method=$2 bytes=$3 pipe=$4
shift 4
SHARED=$(cd ../shared/bench && pwd)
for _ in $(seq "${REPS:-3}"); do
  for bin in "$@"; do
    port=$((39500 + RANDOM % 400))
    taskset -c 0 "$bin" "$SHARED/servers/bun.js" "$port" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do
      curl -s -o /dev/null "http://127.0.0.1:$port/" && break
      sleep 0.05
    done
    before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    out=$(WRK_METHOD=$method WRK_BODY_BYTES=$bytes WRK_PIPELINE=$pipe \
      taskset -c 1 wrk -t1 -c64 -d"${DUR:-3}s" -s "$SHARED/lib/wrk.lua" \
      "http://127.0.0.1:$port$path")
    after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    rate=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    count=$(awk '/requests in/ {print $1}' <<<"$out")
    hz=$(getconf CLK_TCK)
    echo "$bin $rate $(awk -v t=$((after - before)) -v n="$count" -v hz="$hz" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  done
done
