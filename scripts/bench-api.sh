#!/usr/bin/env bash
# Benchmarks the API on local `wrangler dev` with a 10,000-user org, one connection on
# loopback (wrk): /healthz, checks (from the KV index, and with reasons from D1), and seat
# assignments; workerd's CPU per request; the worker's Wasm size. Writes target/bench/api.json
# and, through scripts/bench.sh's renderer, the API section of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
command -v wrk > /dev/null || { apt-get update -qq && apt-get install -y -qq wrk > /dev/null; }

out=target/bench
mkdir -p "$out"
port=${ROSTER_BENCH_PORT:-8799}
seconds=${ROSTER_BENCH_SECONDS:-10}
base="http://127.0.0.1:$port"
state=$(mktemp -d)
jwt_secret=$(node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))")
provisioning=$(node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))")

cargo build --release --quiet -p roster-cli
bash scripts/build-worker.sh > "$out/build-worker.log" 2>&1 || { cat "$out/build-worker.log"; exit 1; }
bash scripts/build-element.sh
wrangler d1 migrations apply DB --local --persist-to "$state" > /dev/null
wrangler dev --local --ip 127.0.0.1 --port "$port" --persist-to "$state" \
  --show-interactive-dev-session=false \
  --var "JWT_SECRET:$jwt_secret" --var "ROSTER_PROVISIONING_SECRET:$provisioning" \
  > "$out/wrangler-bench.log" 2>&1 &
dev=$!
trap 'kill $dev 2>/dev/null; rm -rf "$state"' EXIT
for _ in $(seq 1 120); do curl -sf "$base/healthz" > /dev/null && break; sleep 0.5; done

echo "== seeding a 10,000-user org"
target/release/roster demo --users 10000 --groups 500 --custom-roles 20 \
  --product-permissions 179 --seats 10000 --seed 1 > "$out/api-org.json"
seed_start=$(date +%s.%N)
curl -sf -X POST -H "authorization: Bearer $provisioning" -H 'content-type: application/json' \
  --data-binary @"$out/api-org.json" "$base/v1/orgs" > /dev/null
seed_s=$(echo "$(date +%s.%N) - $seed_start" | bc)
token=$(node tests/api/token.mjs "$jwt_secret" acme usr_00001 86400)

# Users to ask about, and active users without a seat to assign seats to.
checked=$(target/release/roster users "$out/api-org.json" --limit 200 --sort email |
  awk 'NR > 1 && $1 ~ /^usr_/ { print $1 }' | paste -sd, -)
seatless=$(target/release/roster users "$out/api-org.json" --status active --seat false \
  --limit 500 | awk 'NR > 1 && $1 ~ /^usr_/ { print $1 }' | paste -sd, -)

# The workerd process serving the worker, for its CPU time.
workerd=$(pgrep -f "workerd serve" | head -1)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$workerd/stat"; }
ticks_per_s=$(getconf CLK_TCK)

run() {
  local kind=$1 users=$2
  # Warm up: the first requests load the org into the isolate.
  ROSTER_TOKEN=$token ROSTER_KIND=$kind ROSTER_USERS=$users \
    wrk -t1 -c1 -d2s -s bench/wrk-request.lua "$base" > /dev/null
  local before after result
  before=$(cpu_ticks)
  result=$(ROSTER_TOKEN=$token ROSTER_KIND=$kind ROSTER_USERS=$users \
    wrk -t1 -c1 -d"${seconds}s" -s bench/wrk-request.lua "$base" | sed -n 's/^RESULT //p')
  after=$(cpu_ticks)
  node -e '
    const r = JSON.parse(process.argv[1]);
    r.kind = process.argv[2];
    r.cpu_ms_per_request = ((process.argv[4] - process.argv[3]) / process.argv[5] * 1000) / r.requests;
    console.log(JSON.stringify(r));
  ' "$result" "$kind" "$before" "$after" "$ticks_per_s"
}

echo "== measuring (${seconds}s each, one connection)"
{
  echo '{"runs": ['
  run healthz "" ; echo ','
  run check "$checked" ; echo ','
  run check_reasons "$checked" ; echo ','
  run seat "$seatless"
  echo '],'
  wasm=worker/build/index_bg.wasm
  printf '"seed_seconds": %s, "seconds_per_run": %s,\n' "$seed_s" "$seconds"
  printf '"wasm_bytes": %s, "wasm_gzip_bytes": %s, "wrk": "%s"}\n' "$(stat -c %s "$wasm")" \
    "$(gzip -9 -c "$wasm" | wc -c)" "$(wrk --version 2>&1 | head -1 | cut -d' ' -f2)"
} > "$out/api.json"
node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1])), null, 2))' \
  "$out/api.json"
