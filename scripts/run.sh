#!/usr/bin/env bash
# Runs Roster locally: builds the worker, applies the D1 migrations to the local database,
# starts `wrangler dev` on 127.0.0.1:8787 with local D1 and KV, seeds a demo org on first
# start, and prints a token to call the API with. Ctrl-C stops it; state survives restarts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

port=${ROSTER_PORT:-8787}
state=.wrangler/state
base="http://127.0.0.1:$port"

cargo build --release --quiet -p roster-cli
bash scripts/build-worker.sh > target/build-worker.log 2>&1 ||
  { cat target/build-worker.log; exit 1; }
bash scripts/build-element.sh

# Local secrets, made once. Production sets them with `wrangler secret put`.
if [ ! -f .dev.vars ]; then
  secret() { node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"; }
  printf 'JWT_SECRET=%s\nROSTER_PROVISIONING_SECRET=%s\n' "$(secret)" "$(secret)" > .dev.vars
fi
jwt_secret=$(sed -n 's/^JWT_SECRET=//p' .dev.vars)
provisioning=$(sed -n 's/^ROSTER_PROVISIONING_SECRET=//p' .dev.vars)

wrangler d1 migrations apply DB --local --persist-to "$state" > /dev/null
wrangler dev --local --ip 127.0.0.1 --port "$port" --persist-to "$state" \
  --show-interactive-dev-session=false > target/wrangler-dev.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 120); do
  curl -sf "$base/healthz" > /dev/null && break
  kill -0 "$worker" 2>/dev/null || { cat target/wrangler-dev.log; exit 1; }
  sleep 0.5
done

owner=$(node tests/api/token.mjs "$jwt_secret" acme usr_00001 86400)
api() { curl -s -H "authorization: Bearer $owner" -H 'content-type: application/json' "$@"; }
if [ "$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $owner" \
      "$base/v1/orgs/acme/seats")" = 404 ]; then
  echo "Seeding the demo org \`acme\` (50 users, 40 purchased seats)..."
  target/release/roster demo --users 50 --seed 7 > target/demo-org.json
  curl -sf -X POST -H "authorization: Bearer $provisioning" -H 'content-type: application/json' \
    --data-binary @target/demo-org.json "$base/v1/orgs" > /dev/null
  api -X POST "$base/v1/orgs/acme/invitations" --data \
    '{"invitations": [{"email": "niklaus@example.com", "roles": ["member"]},
                      {"email": "radia@example.com", "roles": ["viewer"]},
                      {"email": "barbara@example.com", "groups": ["engineering"]}]}' > /dev/null
fi

cat <<MSG

Roster is running at $base (the worker on a local D1 and KV under $state).

  The element on the live org:  $base/#token=$owner
  The element in demo mode:     $base/

  An owner's token (usr_00001, valid a day):
    $owner

  Try:
    curl -H "authorization: Bearer \$TOKEN" $base/v1/orgs/acme/seats
    curl -H "authorization: Bearer \$TOKEN" "$base/v1/orgs/acme/users?status=active&limit=5"
    curl $base/v1/openapi.json

Logs: target/wrangler-dev.log. Ctrl-C stops it.
MSG
wait "$worker"
