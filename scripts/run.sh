#!/usr/bin/env bash
# Runs Roster locally. For now that is the engine through the `roster` CLI: it generates a
# demo org, then shows seat usage, a page of users and checks with their reasons.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

cargo build --release --quiet -p roster-cli
roster=target/release/roster
demo=target/demo/org.json
mkdir -p target/demo
"$roster" demo --users 50 --seed 7 > "$demo"

show() { printf '\n$ roster %s\n' "$*"; "$roster" "$@" || true; }
# The id of the first user listed with these filters.
first() { "$roster" users "$demo" --limit 1 "$@" | awk 'NR == 2 { print $1 }'; }
show validate "$demo"
show seats "$demo"
show users "$demo" --limit 8
show check "$demo" usr_00001 invitations:create
show check "$demo" usr_00002 billing:manage
show check "$demo" "$(first --status suspended)" users:read
show check "$demo" "$(first --status active --seat false)" projects:create
show users "$demo" --status invited --limit 3
printf '\nThe demo org is at %s; try `%s --help`.\n' "$demo" "$roster"
