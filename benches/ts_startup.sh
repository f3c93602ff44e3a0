#!/usr/bin/env bash
# Start-up of a TypeScript Hono app to its first 200: rt (transpile cache
# cold and warm) vs Bun, timed by the shared harness's startup.py (spawn,
# poll GET / every ~1 ms, median of TRIALS). Hono comes from the npm
# registry into target/bench-ts; Bun from ../shared/bench/install.sh (or
# $BUN). Server pinned to CPU 0.
#
#   TRIALS [10]   RT [target/release/rt]   BUN [bun on PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
RT=${RT:-$PWD/target/release/rt}
BUN=${BUN:-$(command -v bun || true)}
TRIALS=${TRIALS:-10}
STARTUP=${STARTUP:-$(cd ../shared/bench/lib && pwd)/startup.py}
DIR=$PWD/target/bench-ts
PORT=${PORT:-39217}

mkdir -p "$DIR"
if [[ ! -d $DIR/node_modules/hono ]]; then
  (cd "$DIR" && echo '{"name":"bench-ts","private":true}' > package.json &&
    npm install --no-audit --no-fund --loglevel=error hono@4 zod@3)
fi
cat > "$DIR/tsconfig.json" <<'JSON'
{ "compilerOptions": { "jsx": "react-jsx", "jsxImportSource": "hono/jsx" } }
JSON
cat > "$DIR/app.tsx" <<'TSX'
import { Hono } from "hono";
import { cors } from "hono/cors";
import { logger } from "hono/logger";
import type { Context } from "hono";
import { z } from "zod";

enum Mode { Fast = "fast" }
const Page = ({ title }: { title: string }) => <h1>{title}</h1>;
const app = new Hono();
app.use("*", cors());
app.get("/", (c: Context) => c.text(`hello ${Mode.Fast}`));
app.get("/page", (c) => c.html(<Page title="hi" />));
const Body = z.object({ name: z.string() });
app.post("/p", async (c) => c.json(Body.parse(await c.req.json())));
void logger;
export default { port: Number(process.env.PORT), fetch: app.fetch };
TSX

run() {
  local name=$1; shift
  local line
  line=$(PORT=$PORT python3 "$STARTUP" --port "$PORT" --trials "$TRIALS" -- taskset -c 0 "$@" | grep STARTUP)
  printf '%-22s %s\n' "$name" "$line"
}
cd "$DIR"
CACHE=$(mktemp -d)
# Cold: every start transpiles (cache off).
RT_TRANSPILER_CACHE_PATH=0 run "rt (no cache)" "$RT" serve app.tsx
# Warm: the first (untimed) trial fills the cache.
RT_TRANSPILER_CACHE_PATH=$CACHE run "rt (cache)" "$RT" serve app.tsx
rm -rf "$CACHE"
if [[ -n $BUN ]]; then
  run "bun $("$BUN" --version)" "$BUN" app.tsx
else
  echo "bun not found (run ../shared/bench/install.sh or set BUN)"
fi
