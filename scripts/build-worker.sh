#!/usr/bin/env bash
# Builds the worker with worker-build, using the pinned tools instead of downloading its own.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
root=$PWD
cd worker
WASM_BINDGEN_BIN="$(command -v wasm-bindgen)" \
WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt" \
ESBUILD_BIN="$root/node_modules/.bin/esbuild" \
  worker-build --release "$@"
