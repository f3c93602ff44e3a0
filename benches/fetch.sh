#!/usr/bin/env bash
# fetch throughput, 64 requests in flight, against a plain hyper server on
# core 0; the client runtime (rt, Bun, Deno when found) on core 1.
#   benches/fetch.sh            # 3 interleaved repetitions
#   REPS=1 TOTAL=20000 benches/fetch.sh
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
export TOTAL=${TOTAL:-50000} CONCURRENCY=${CONCURRENCY:-64}
ROOT=$PWD
cargo build --release --quiet --bin rt --example hyper_hello
. benches/peers.sh
BUN=${BUN:-$(find_peer bun @oven/bun-linux-x64-baseline bin/bun)}
DENO=${DENO:-$(find_peer deno @deno/linux-x64-glibc deno)}
echo -20 > /proc/self/autogroup 2>/dev/null || true

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PORT=$PORT taskset -c 0 target/release/examples/hyper_hello > /dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 500); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.01; done
export URL="http://127.0.0.1:$PORT/"

declare -A results
for rep in $(seq 1 "$REPS"); do
  results[rt]+="$(taskset -c 1 target/release/rt run benches/fetch/client.js) "
  [ -n "$BUN" ] && results[bun]+="$(taskset -c 1 "$BUN" benches/fetch/client.js) "
  [ -n "$DENO" ] && results[deno]+="$(taskset -c 1 "$DENO" run -A benches/fetch/client.js) "
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rt=$(echo "${results[rt]}" | median)
echo "fetch req/s ($TOTAL requests, $CONCURRENCY in flight, median of $REPS)"
echo "rt    $rt"
for peer in bun deno; do
  [ -n "${results[$peer]:-}" ] || continue
  v=$(echo "${results[$peer]}" | median)
  echo "$peer  $v   rt/$peer $(awk -v a="$rt" -v b="$v" 'BEGIN{printf "%.2f", a/b}')"
done
