#!/usr/bin/env bash
# Runs the API integration tests (tests/api/*.test.mjs) against a real `wrangler dev`, one
# file after another, each with its own wrangler on its own port and state directory. Builds
# the `roster` CLI and the worker first when they are missing.
#
#   tests/api/run.sh                                   # every file
#   tests/api/run.sh tests/api/errors.test.mjs         # some files
#   tests/api/run.sh --test-name-pattern='API keys'    # node --test options, every file
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh

if [ ! -x target/release/roster ]; then
  cargo build --release -p roster-cli
fi
if [ ! -f worker/build/index.js ]; then
  bash scripts/build-worker.sh
fi
if [ ! -f web-component/dist/index.html ]; then
  bash scripts/build-element.sh
fi

files=()
options=()
for arg in "$@"; do
  if [ -f "$arg" ]; then files+=("$arg"); else options+=("$arg"); fi
done
if [ ${#files[@]} -eq 0 ]; then
  files=(tests/api/*.test.mjs)
fi
exec node --test --test-concurrency=1 --test-reporter=spec "${options[@]}" "${files[@]}"
