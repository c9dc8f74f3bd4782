#!/usr/bin/env bash
# Builds <roster-users> into web-component/dist: the loader, the wasm-bindgen glue, the .wasm
# (size-optimised), TypeScript declarations, package.json (dist/roster is the npm package), the
# demo org as a compact document, and the demo page. The worker serves this folder as static assets.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
out=web-component/dist
mkdir -p "$out/roster"
# The pinned nightly rebuilds the standard library for size (optimize_for_size) with panics
# that trap at once (no messages, no locations, no formatting behind them), and with `{:?}`
# formatting compiled out: the element shows no Debug output. Its own target directory keeps
# the stable builds' caches. This takes the `.wasm` from 117 to 105 KB gzipped. The target is
# plain Wasm plus bulk memory: reference types' glue shims cost more than they save here.
flags=(
  -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none
  -Ctarget-cpu=mvp -Ctarget-feature=+bulk-memory,+sign-ext,+nontrapping-fptoint,+mutable-globals
  # RUSTFLAGS replaces .cargo/config.toml's flags for the target, so that one is repeated.
  '--cfg=getrandom_backend="wasm_js"'
)
RUSTFLAGS="${flags[*]}" cargo "+$ROSTER_NIGHTLY" build --quiet -p roster-element \
  --target wasm32-unknown-unknown --profile wasm --target-dir target/element \
  -Z build-std=std,panic_abort -Z build-std-features=optimize_for_size
wasm-bindgen --target web --out-dir "$out/roster" \
  target/element/wasm32-unknown-unknown/wasm/roster_element.wasm
# ROSTER_KEEP_NAMES=1 keeps the functions' names, for a profile (bench/element.mjs).
names=()
if [ -n "${ROSTER_KEEP_NAMES:-}" ]; then names=(-g); fi
wasm-opt -Oz --converge "${names[@]}" --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals \
  "$out/roster/roster_element_bg.wasm" -o "$out/roster/roster_element_bg.wasm"
# The folder is also the npm package: the loader, its types and package.json. Both scripts
# are minified (esbuild, pinned in package.json), which halves their gzipped size.
minify() { node_modules/.bin/esbuild "$1" --minify --format=esm --log-level=warning --outfile="$2"; }
minify "$out/roster/roster_element.js" "$out/roster/roster_element.min.js"
mv "$out/roster/roster_element.min.js" "$out/roster/roster_element.js"
minify web-component/js/roster-users.js "$out/roster/roster-users.js"
cp web-component/js/roster-users.d.ts web-component/js/package.json "$out/roster/"
# The demo org, made here rather than in the page: the generator stays out of the `.wasm`.
cargo build --quiet --release -p roster-cli
./target/release/roster demo --users 120 --seed 7 |
  ./target/release/roster export - --format compact > "$out/roster/demo-org.bin"
cp web-component/js/index.html "$out/index.html"
