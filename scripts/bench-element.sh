#!/usr/bin/env bash
# The <roster-users> benchmark: the element's size (its .wasm and JS, gzipped) and, in headless
# Chromium, the time from a 10,000-user org's compact document to the table drawn, and a sort's
# and a filter's redraw. Results go to target/bench/element.json; BENCHMARKS.md says how to read them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
mkdir -p target/bench
bash scripts/build-element.sh
cargo build --release --quiet -p roster-cli
./target/release/roster demo --users 10000 --seed 7 > target/bench/org-10k.json
./target/release/roster export target/bench/org-10k.json --format compact > target/bench/org-10k.bin
node bench/element.mjs web-component/dist target/bench/org-10k.json target/bench/org-10k.bin \
  target/bench/element.json
