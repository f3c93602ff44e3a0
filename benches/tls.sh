#!/usr/bin/env bash
# HTTPS benchmark: rt, Bun (http2: true) and Deno serving hello over TLS in
# the same run, with one ECDSA P-256 certificate made by `openssl req -x509`.
#
#   benches/tls.sh                       # 3 interleaved repetitions of 5 s
#   REPS=1 DURATION=3 CONNS=1000 benches/tls.sh
#
# Scenarios (server pinned to core 0, client to core 1):
#   h1          wrk -t1 -c64, keep-alive HTTP/1.1 over TLS (req/s)
#   h2          h2load -c16 -m10, ALPN h2 (req/s)
#   handshakes  wrk -t1 -c64 with Connection: close: one TLS handshake per
#               request, as wrk makes them (new connections/s)
#   idle_kib    server RSS growth per idle TLS connection, CONNS of them
# Each load figure comes with the server's CPU time per request (from
# /proc/PID/stat), which holds up better than req/s on a shared machine.
# Figures are medians; compare ratios, not absolute numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
DURATION=${DURATION:-5}
CONNS=${CONNS:-2000}
ROOT=$PWD
OUT=${OUT:-$ROOT/target/bench-tls}
mkdir -p "$OUT"

.ci/deps wrk h2load
cargo build --release --quiet --bin rt
RT=$ROOT/target/release/rt
. benches/peers.sh
BUN=${BUN:-$(find_peer bun @oven/bun-linux-x64-baseline bin/bun)}
DENO=${DENO:-$(find_peer deno @deno/linux-x64-glibc deno)}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$OUT/key.pem" -out "$OUT/cert.pem" -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
export TLS_CERT=$OUT/cert.pem TLS_KEY=$OUT/key.pem

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

# start NAME PORT: starts a server pinned to core 0 and waits for its 200.
start() {
  local name=$1 port=$2
  case $name in
    rt) PORT=$port taskset -c 0 "$RT" run benches/tls/app.js > "$OUT/$name.log" 2>&1 & ;;
    bun) PORT=$port taskset -c 0 "$BUN" benches/tls/app.js > "$OUT/$name.log" 2>&1 & ;;
    deno) PORT=$port taskset -c 0 "$DENO" run -A benches/tls/deno.js > "$OUT/$name.log" 2>&1 & ;;
  esac
  SERVER_PID=$!
  for _ in $(seq 1 2000); do
    if curl -sk -o /dev/null "https://127.0.0.1:$port/" 2>/dev/null; then return; fi
    sleep 0.005
  done
  echo "server $name did not start; see $OUT/$name.log" >&2
  exit 1
}

# Server CPU time so far, in clock ticks (utime + stime).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }

# measure KIND PORT: prints "req/s cpu_us_per_req"
measure() {
  local kind=$1 port=$2 t0 t1 rps
  t0=$(cpu_ticks)
  case $kind in
    h1)
      taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" "https://127.0.0.1:$port/" > "$OUT/load.txt"
      rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/load.txt") ;;
    handshakes)
      taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" -H "Connection: close" "https://127.0.0.1:$port/" > "$OUT/load.txt"
      rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/load.txt") ;;
    h2)
      taskset -c 1 h2load -c16 -m10 -D "$DURATION" "https://127.0.0.1:$port/" > "$OUT/load.txt"
      grep -q "Application protocol: h2" "$OUT/load.txt" || { echo "h2 not negotiated" >&2; exit 1; }
      rps=$(awk '/^finished in/ {print $4}' "$OUT/load.txt") ;;
  esac
  t1=$(cpu_ticks)
  awk -v r="$rps" -v t="$((t1 - t0))" -v d="$DURATION" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.0f %.1f\n", r, (r > 0 ? t / hz * 1e6 / (r * d) : 0) }'
}

RUNTIMES=(rt)
[ -n "$BUN" ] && RUNTIMES+=(bun)
[ -n "$DENO" ] && RUNTIMES+=(deno)

: > "$OUT/results.txt"
for rep in $(seq 1 "$REPS"); do
  for runtime in "${RUNTIMES[@]}"; do
    port=$(free_port)
    start "$runtime" "$port"
    for kind in h1 h2 handshakes; do
      read -r rps cpu < <(measure "$kind" "$port")
      echo "$rep $runtime $kind $rps $cpu" >> "$OUT/results.txt"
    done
    kib=$(taskset -c 1 python3 benches/tls/idle_conns.py "$port" "$SERVER_PID" "$CONNS")
    echo "$rep $runtime idle_kib $kib 0" >> "$OUT/results.txt"
    stop_server
  done
done

python3 - "$OUT/results.txt" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    rep, runtime, name, value, cpu = line.split()
    rows[(name, runtime)].append((float(value), float(cpu)))
names = list(dict.fromkeys(k[0] for k in rows))
runtimes = list(dict.fromkeys(k[1] for k in rows))
med = lambda n, r, i=0: statistics.median(x[i] for x in rows[(n, r)]) if (n, r) in rows else None
print(f"{'scenario':<12}" + "".join(f"{r:>20}" for r in runtimes) + "   rt/bun  rt/deno")
for name in names:
    cells = []
    for r in runtimes:
        v = med(name, r)
        if v is None:
            cells.append(f"{'-':>20}")
        elif name == "idle_kib":
            cells.append(f"{v:>16.1f} KiB")
        else:
            cells.append(f"{v:>9.0f} {med(name, r, 1):>6.1f}µs/r")
    rt, bun, deno = med(name, "rt"), med(name, "bun"), med(name, "deno")
    ratio = lambda a, b: f"{a / b:8.2f}" if a and b else f"{'-':>8}"
    print(f"{name:<12}" + "".join(cells) + f" {ratio(rt, bun)} {ratio(rt, deno)}")
print("(req/s and server CPU µs per request; handshakes = new TLS connections/s; idle = KiB per idle TLS connection)")
PY
