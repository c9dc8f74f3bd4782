#!/usr/bin/env bash
# Runs every test: formatting and lints, the native tests, and the engine's decision vectors
# in Wasm under Node and in headless Chromium. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

log=$(mktemp -d)/test.log
step() { printf '\n== %s\n' "$*"; }

step "format"
cargo fmt --all --check

step "lints"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "native tests"
cargo test --workspace --exclude roster-bench 2>&1 | tee -a "$log"

step "Wasm: decision vectors under Node and in headless Chromium"
(
  cd crates/engine
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --target wasm32-unknown-unknown --test vectors --test vectors_browser
) 2>&1 | tee -a "$log"

# One closing line for the whole run, summed over every test binary.
passed=$(grep -oE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{ s += $4 } END { print s + 0 }')
failed=$(grep -oE '[0-9]+ failed' "$log" | awk '{ s += $1 } END { print s + 0 }')
printf '\n%s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
