#!/usr/bin/env bash
# Compression ratios and costs (rt's `compression` option): serves one text
# body (BODY, default README.md) from a handler (compressed per response)
# and as a static route (compressed once, cached), and for each encoding
# prints the bytes on the wire, req/s (wrk -t1 -c8) and the server's CPU
# time per request. Server on core 0, wrk on core 1.
#
#   benches/compression.sh
#   BODY=path/to/file.json DURATION=3 benches/compression.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BODY=${BODY:-README.md}
DURATION=${DURATION:-3}
OUT=${OUT:-$PWD/target/bench-compression}
mkdir -p "$OUT"
.ci/deps wrk
cargo build --release --quiet --bin rt
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BODY=$BODY PORT=$port taskset -c 0 target/release/rt run benches/compression/app.js > "$OUT/rt.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 500); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.01; done
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
printf "%-9s %-8s %9s %9s %10s\n" path encoding bytes "req/s" "cpu µs/req"
for path in / /static; do
  for enc in identity br zstd gzip deflate; do
    bytes=$(curl -s -H "accept-encoding: $enc" -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port$path")
    t0=$(ticks)
    rps=$(taskset -c 1 wrk -t1 -c8 -d"${DURATION}s" -H "accept-encoding: $enc" "http://127.0.0.1:$port$path" | awk '/Requests\/sec/ {print $2}')
    t1=$(ticks)
    cpu=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v r="$rps" -v d="$DURATION" 'BEGIN { printf "%.1f", t / hz * 1e6 / (r * d) }')
    printf "%-9s %-8s %9s %9.0f %10s\n" "$path" "$enc" "$bytes" "$rps" "$cpu"
  done
done
