#!/usr/bin/env bash
# Autobahn|Testsuite's fuzzingclient against rt's echo server (echo.js).
#   tests/autobahn/run.sh              # every case
#   CASES='["1.*","5.*"]' tests/autobahn/run.sh
# Installs the suite (Python 2.7 from pyenv, pinned dependencies from
# ../shared/reference/autobahn-py27-requirements.txt) under target/autobahn
# once; prints the result per case group and fails on any case that is not
# OK, NON-STRICT or INFORMATIONAL (UNIMPLEMENTED counts as a failure).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=$ROOT/target/autobahn
PY27=${PY27:-$HOME/.pyenv/versions/2.7.18/bin/python}
REQS=${AUTOBAHN_REQUIREMENTS:-$ROOT/../shared/reference/autobahn-py27-requirements.txt}
mkdir -p "$WORK"
CASES=${CASES:-'["*"]'}
if [ ! -x "$WORK/.ab27/bin/wstest" ]; then
  PYTHONUSERBASE=$WORK/.ab27 "$PY27" -m pip install --quiet --user --no-deps \
    --no-warn-script-location -r "$REQS"
fi
cargo build --release --quiet --bin rt
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PORT=$PORT target/release/rt run tests/autobahn/echo.js > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 500); do grep -q "^PORT=" "$WORK/server.log" && break; sleep 0.01; done
cat > "$WORK/fuzzingclient.json" <<JSON
{
  "outdir": "$WORK/reports",
  "servers": [{ "agent": "rt", "url": "ws://127.0.0.1:$PORT" }],
  "cases": $CASES,
  "exclude-cases": [],
  "exclude-agent-cases": {}
}
JSON
rm -rf "$WORK/reports"
(cd "$WORK" && PYTHONUSERBASE=$WORK/.ab27 timeout 1800 .ab27/bin/wstest -m fuzzingclient -s fuzzingclient.json > wstest.log 2>&1)
python3 tests/autobahn/summary.py "$WORK/reports/index.json"
