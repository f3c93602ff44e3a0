#!/usr/bin/env bash
# Large-file benchmark: rt and Bun serve one file (1 GiB by default) as a
# `routes` value and from a handler; curl downloads it (one at a time, then
# CONC at once) to /dev/null. Prints MiB/s (median of REPS) and the
# server's RSS before and its peak (VmHWM) after, in MiB: a flat RSS means
# the file is streamed, not buffered.
#
#   benches/files.sh
#   SIZE_MIB=256 REPS=1 benches/files.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MIB=${SIZE_MIB:-1024}
REPS=${REPS:-3}
CONC=${CONC:-4}
ROOT=$PWD
OUT=${OUT:-$ROOT/target/bench-files}
mkdir -p "$OUT"

cargo build --release --quiet --bin rt
RT=$ROOT/target/release/rt
. benches/peers.sh
BUN=${BUN:-$(find_peer bun @oven/bun-linux-x64-baseline bin/bun)}

export FILE=$OUT/big.bin
if [ "$(stat -c %s "$FILE" 2>/dev/null || echo 0)" != "$((SIZE_MIB << 20))" ]; then
  head -c "$((SIZE_MIB << 20))" /dev/urandom > "$FILE"
fi
cat "$FILE" > /dev/null # in the page cache for every runtime alike

SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
trap stop_server EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
  local name=$1 port=$2
  case $name in
    rt) PORT=$port taskset -c 0 "$RT" run benches/files/app.js > "$OUT/$name.log" 2>&1 & ;;
    bun) PORT=$port taskset -c 0 "$BUN" benches/files/app.js > "$OUT/$name.log" 2>&1 & ;;
  esac
  SERVER_PID=$!
  for _ in $(seq 1 1000); do
    if curl -s -o /dev/null -r 0-0 "http://127.0.0.1:$port/route" 2>/dev/null; then return; fi
    sleep 0.005
  done
  echo "server $name did not start" >&2
  exit 1
}

rss_mib() { awk -v k="$2" '$1 == k":" {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# download PORT PATH N: N parallel downloads; prints total MiB/s
download() {
  local port=$1 path=$2 n=$3 t0 t1
  t0=$(date +%s%N)
  for _ in $(seq 1 "$n"); do
    taskset -c 1 curl -s -o /dev/null --max-time 120 "http://127.0.0.1:$port$path" &
  done
  wait $(jobs -p | grep -v "^$SERVER_PID$") 2>/dev/null || true
  t1=$(date +%s%N)
  awk -v s="$SIZE_MIB" -v n="$n" -v ns="$((t1 - t0))" 'BEGIN { printf "%.0f", s * n / (ns / 1e9) }'
}

RUNTIMES=(rt)
[ -n "$BUN" ] && RUNTIMES+=(bun)
: > "$OUT/results.txt"
for rep in $(seq 1 "$REPS"); do
  for runtime in "${RUNTIMES[@]}"; do
    port=$(free_port)
    start "$runtime" "$port"
    before=$(rss_mib "$SERVER_PID" VmRSS)
    for path in /route /handler; do
      one=$(download "$port" "$path" 1)
      many=$(download "$port" "$path" "$CONC")
      echo "$rep $runtime $path $one $many $before $(rss_mib "$SERVER_PID" VmHWM)" >> "$OUT/results.txt"
    done
    stop_server
  done
done

python3 - "$OUT/results.txt" "$SIZE_MIB" "$CONC" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    rep, runtime, path, one, many, before, peak = line.split()
    rows[(runtime, path)].append((float(one), float(many), float(before), float(peak)))
print(f"{sys.argv[2]} MiB file; MiB/s for 1 download and for {sys.argv[3]} at once; server RSS at start and peak (MiB)")
print(f"{'runtime':<8}{'path':<10}{'1 dl':>8}{'conc':>8}{'rss0':>8}{'peak':>8}")
for (runtime, path), v in rows.items():
    med = [statistics.median(x[i] for x in v) for i in range(4)]
    print(f"{runtime:<8}{path:<10}{med[0]:>8.0f}{med[1]:>8.0f}{med[2]:>8.1f}{med[3]:>8.1f}")
PY
