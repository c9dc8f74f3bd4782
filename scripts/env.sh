# Sourced by the scripts: the pinned tools first on PATH, and nothing that phones home.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export NO_UPDATE_NOTIFIER=1
export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TERM_COLOR=never
# The nightly that builds the element's shipped `.wasm` (see scripts/build-element.sh).
export ROSTER_NIGHTLY=nightly-2026-05-19
