#!/usr/bin/env bash
# Side-by-side HTTP benchmark: rt, Bun (from the npm registry) and a plain
# hyper server, each serving benches/http/app.js (hyper: hello only).
#
#   benches/http.sh                 # 3 interleaved repetitions of 5 s each
#   REPS=1 DURATION=3 benches/http.sh
#
# Server pinned to core 0, wrk (1 thread, 64 connections) to core 1, as in
# ../shared/reference/peers.md. Figures are medians; compare the ratios, not
# the absolute numbers: these machines are shared.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
DURATION=${DURATION:-5}
ROOT=$PWD
OUT=${OUT:-$ROOT/target/bench-http}
mkdir -p "$OUT"

.ci/deps wrk
cargo build --release --quiet --bin rt --example hyper_hello
RT=$ROOT/target/release/rt
HYPER=$ROOT/target/release/examples/hyper_hello

# Bun on PATH or from the npm registry, installed once under target/.
. benches/peers.sh
BUN=${BUN:-$(find_peer bun @oven/bun-linux-x64-baseline bin/bun)}

# Give this benchmark's process group a fair share of the machine.
echo -20 > /proc/self/autogroup 2>/dev/null || true

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

# start NAME PORT: starts a server pinned to core 0; sets SERVER_PID and
# STARTUP_US (spawn to first 200).
start() {
  local name=$1 port=$2 t0 t1
  t0=$(date +%s%N)
  case $name in
    rt) PORT=$port taskset -c 0 "$RT" run benches/http/app.js > "$OUT/$name.log" 2>&1 & ;;
    bun) PORT=$port taskset -c 0 "$BUN" benches/http/app.js > "$OUT/$name.log" 2>&1 & ;;
    hyper) PORT=$port taskset -c 0 "$HYPER" > "$OUT/$name.log" 2>&1 & ;;
  esac
  SERVER_PID=$!
  for _ in $(seq 1 1000); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then
      t1=$(date +%s%N)
      STARTUP_US=$(( (t1 - t0) / 1000 ))
      return
    fi
    sleep 0.002
  done
  echo "server $name did not start; see $OUT/$name.log" >&2
  exit 1
}

# load PORT PATH [wrk args...]: prints "req/s p99_ms"
load() {
  local port=$1 path=$2
  shift 2
  taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" --latency "$@" "http://127.0.0.1:$port$path" > "$OUT/wrk.txt"
  awk '/Requests\/sec/ {rps=$2} / 99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000} p99=v} END {printf "%.0f %.2f\n", rps, p99}' "$OUT/wrk.txt"
}

SCENARIOS=(
  "hello_fetch|/|"
  "hello_static|/static|"
  "json|/json|"
  "get_1mb|/1mb|"
  "post_echo_64k|/echo|-s benches/http/post64k.lua"
  "hello_pipelined16|/|-s benches/http/pipeline.lua"
)
RUNTIMES=(rt)
[ -n "$BUN" ] && RUNTIMES+=(bun)
RUNTIMES+=(hyper)

: > "$OUT/results.txt"
for rep in $(seq 1 "$REPS"); do
  for runtime in "${RUNTIMES[@]}"; do
    port=$(free_port)
    start "$runtime" "$port"
    rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
    echo "$rep $runtime startup_ms $(awk -v u="$STARTUP_US" 'BEGIN{printf "%.1f", u/1000}') 0" >> "$OUT/results.txt"
    echo "$rep $runtime idle_rss_mib $(awk -v k="$rss_kb" 'BEGIN{printf "%.1f", k/1024}') 0" >> "$OUT/results.txt"
    for scenario in "${SCENARIOS[@]}"; do
      IFS='|' read -r name path args <<< "$scenario"
      # The plain hyper server only says hello.
      if [ "$runtime" = hyper ] && [[ $name != hello_* ]]; then continue; fi
      # shellcheck disable=SC2086
      read -r rps p99 < <(load "$port" "$path" $args)
      echo "$rep $runtime $name $rps $p99" >> "$OUT/results.txt"
    done
    stop_server
  done
done

python3 - "$OUT/results.txt" <<'PY'
import statistics, sys, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    rep, runtime, name, value, p99 = line.split()
    rows[(name, runtime)].append((float(value), float(p99)))
names = list(dict.fromkeys(k[0] for k in rows))
runtimes = list(dict.fromkeys(k[1] for k in rows))
def med(name, rt, i=0):
    v = rows.get((name, rt))
    return statistics.median(x[i] for x in v) if v else None
print(f"{'scenario':<20}" + "".join(f"{r:>16}" for r in runtimes) + "   rt/bun   rt/hyper")
for name in names:
    unit = "" if name in ("startup_ms", "idle_rss_mib") else " req/s"
    cells = []
    for r in runtimes:
        v = med(name, r)
        if v is None:
            cells.append(f"{'-':>16}")
        elif unit:
            cells.append(f"{v:>10.0f} {med(name, r, 1):>4.1f}ms")
        else:
            cells.append(f"{v:>16.1f}")
    rt, bun, hy = med(name, "rt"), med(name, "bun"), med(name, "hyper")
    ratio = lambda a, b: f"{a / b:8.2f}" if a and b else f"{'-':>8}"
    print(f"{name:<20}" + "".join(cells) + f" {ratio(rt, bun)} {ratio(rt, hy)}")
print("(req/s with p99 latency; startup = spawn to first 200; lower is better for startup and RSS)")
PY
