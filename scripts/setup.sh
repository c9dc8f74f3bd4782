#!/usr/bin/env bash
# Installs what Roster's build and tests need and the machine lacks. Idempotent: each step
# checks first and skips what is already there, so both README commands can run it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'setup: %s\n' "$*" >&2; }

# The Wasm target, for the engine's Wasm build and the browser tests.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The element's shipped `.wasm` is built by a pinned nightly that compiles the standard library
# itself (`-Z build-std`), for size: panics become a bare trap, without their messages and the
# formatting they pull in. It needs only the toolchain's source, not a Wasm target of its own.
# The pin lives in scripts/env.sh (ROSTER_NIGHTLY); tests and every other build use stable.
source scripts/env.sh
sysroot=$(rustup run "$ROSTER_NIGHTLY" rustc --print sysroot 2>/dev/null || true)
if [ -z "$sysroot" ] || [ ! -d "$sysroot/lib/rustlib/src/rust/library" ]; then
  log "installing the $ROSTER_NIGHTLY toolchain with its source, for the element's size build"
  rustup toolchain install "$ROSTER_NIGHTLY" --profile minimal --component rust-src
fi

# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in Cargo.lock, or the
# generated glue and the test runner refuse the module. It is cached in ~/.cargo/bin.
if [ ! -f Cargo.lock ]; then
  cargo generate-lockfile
fi
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $NF }' || true)
if [ -n "$want" ] && [ "$want" != "$have" ]; then
  log "installing wasm-bindgen-cli $want (have: ${have:-none}); this takes several minutes"
  # Not --locked: the registry mirror lacks one of its locked dependency versions.
  cargo install wasm-bindgen-cli --version "=$want" --force
fi

# worker-build, at exactly the version of the `worker` crate, builds the edge API.
want_wb=$(awk '/^name = "worker"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have_wb=$(worker-build --version 2>/dev/null | awk '{ print $NF }' || true)
if [ -n "$want_wb" ] && [ "$want_wb" != "$have_wb" ]; then
  log "installing worker-build $want_wb (have: ${have_wb:-none}); this takes several minutes"
  cargo install worker-build --version "=$want_wb" --locked --force
fi

# Node 22 and the npm tools, pinned by package.json and package-lock.json.
if [ ! -x node_modules/.bin/node ] || ! cmp -s package-lock.json node_modules/.package-lock.json.src 2>/dev/null; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.package-lock.json.src
fi

# Headless Chromium and its driver for the browser tests.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  log "installing chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi
