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
cargo clippy -p roster-worker --target wasm32-unknown-unknown --quiet -- -D warnings
cargo clippy -p roster-element --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings

step "native tests"
cargo test --workspace --exclude roster-bench --exclude roster-worker --exclude roster-element \
  2>&1 | tee -a "$log"

step "Wasm: decision vectors under Node and in headless Chromium"
(
  cd crates/engine
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --target wasm32-unknown-unknown --test vectors --test vectors_browser
) 2>&1 | tee -a "$log"

step "<roster-users> in headless Chromium"
(
  cd web-component
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --target wasm32-unknown-unknown --test browser
) 2>&1 | tee -a "$log"

step "the API against a real wrangler dev (workerd, local D1 and KV)"
bash scripts/build-worker.sh > target/build-worker.log 2>&1 || { cat target/build-worker.log; exit 1; }
bash scripts/build-element.sh
bash tests/api/run.sh 2>&1 | tee -a "$log"

step "<roster-users> end to end: Playwright and axe in headless Chromium against wrangler dev"
node --test --test-concurrency=1 --test-reporter=spec tests/e2e/*.test.mjs 2>&1 | tee -a "$log"

# One closing line for the whole run, summed over every test binary.
# cargo prints "test result: ok. N passed; M failed"; node's runner prints "ℹ pass N", "ℹ fail M".
passed=$(grep -oE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{ s += $4 } END { print s + 0 }')
failed=$(grep -oE 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$log" |
  awk '{ s += $6 } END { print s + 0 }')
node_passed=$(grep -oE '^ℹ pass [0-9]+' "$log" | awk '{ s += $3 } END { print s + 0 }')
node_failed=$(grep -oE '^ℹ fail [0-9]+' "$log" | awk '{ s += $3 } END { print s + 0 }')
passed=$((passed + node_passed))
failed=$((failed + node_failed))
printf '\n%s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
