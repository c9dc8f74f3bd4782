#!/usr/bin/env bash
# Reruns every benchmark and rewrites BENCHMARKS.md from the results:
# the native check beside cedar-policy and casbin, load and memory, listing and commands,
# the Wasm module's size (raw and gzipped) and its check speed under Node, the API on wrangler
# dev, and the element's size and speed in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

out=target/bench
mkdir -p "$out"

echo "== native (about two minutes; casbin is the slow part)"
cargo run --release --quiet -p roster-bench -- --json "$out/native.json" --export "$out/data"

echo "== Wasm: the minimal module exposing the engine's check"
cargo build --quiet -p roster-wasm --target wasm32-unknown-unknown --profile wasm
raw=target/wasm32-unknown-unknown/wasm/roster_wasm.wasm
for target in web nodejs; do
  wasm-bindgen --target "$target" --out-dir "$out/pkg-$target" "$raw"
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals "$out/pkg-$target/roster_wasm_bg.wasm" \
    -o "$out/pkg-$target/roster_wasm_bg.wasm"
done
wasm="$out/pkg-web/roster_wasm_bg.wasm"
js="$out/pkg-web/roster_wasm.js"
cat > "$out/size.json" <<JSON
{
  "wasm_bytes": $(stat -c %s "$wasm"),
  "wasm_gzip_bytes": $(gzip -9 -c "$wasm" | wc -c),
  "js_bytes": $(stat -c %s "$js"),
  "js_gzip_bytes": $(gzip -9 -c "$js" | wc -c),
  "wasm_opt": "$(wasm-opt --version)",
  "wasm_bindgen": "$(wasm-bindgen --version)"
}
JSON
cat "$out/size.json"

echo "== Wasm under Node"
node bench/wasm-node.mjs "$out/pkg-nodejs" "$out/data/org.json" "$out/data/queries.json" \
  "$out/wasm.json" > /dev/null
cat "$out/wasm.json"

echo "== the API on local wrangler dev"
bash scripts/bench-api.sh

echo "== the element in headless Chromium"
bash scripts/bench-element.sh

python3 bench/render.py "$out" > BENCHMARKS.md
echo "== BENCHMARKS.md rewritten"
