// Orgs are sealed from each other: another org's credential gets 404 on every endpoint of
// this org, learns nothing (not even that it exists), and changes nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  ORG_ROUTES, acmeDocument, assertOk, assertProblem, auditAll, eachCase, exportOf, fill,
} from './fixtures.mjs';
import { startWorker } from './harness.mjs';

let w;
let acmeKey;
let globexKey;
const acmeOwner = () => w.token('acme', 'usr_owner');
const globexOwner = () => w.token('globex', 'usr_owner');

before(async () => {
  w = await startWorker();
  // The two orgs share user ids, device ids, role and group keys: only the org tells them apart.
  const acme = acmeDocument({ id: 'acme' });
  acme.users.push({
    id: 'usr_acme_only', email: 'only@acme.example', name: 'Only Acme', status: 'active',
    roles: ['admin'], seat: false, created_at: '2026-11-01T09:00:00Z', joined_at: '2026-11-01T09:00:00Z',
  });
  const globex = acmeDocument({ id: 'globex' });
  globex.org.name = 'Globex';
  globex.users.push({
    id: 'usr_globex_only', email: 'only@globex.example', name: 'Only Globex', status: 'active',
    roles: ['owner'], seat: false, created_at: '2026-11-01T09:00:00Z', joined_at: '2026-11-01T09:00:00Z',
  });
  await w.seed(acme);
  await w.seed(globex);
  const key = async (org, token) => assertOk(
    await w.api('POST', `/v1/orgs/${org}/api-keys`, { token, body: { name: `${org}-ci` } }),
    201,
  );
  acmeKey = await key('acme', acmeOwner());
  globexKey = await key('globex', globexOwner());
});
after(async () => {
  await w?.stop();
});

/// Everything an acme owner can read about acme.
async function snapshot() {
  const t = acmeOwner();
  const read = async (path) => assertOk(await w.api('GET', `/v1/orgs/acme${path}`, { token: t }));
  return {
    export: await exportOf(w, 'acme', t),
    audit: await auditAll(w, 'acme', t),
    apiKeys: await read('/api-keys'),
    invitations: await read('/invitations'),
    devices: await read('/devices'),
    version: (await w.api('GET', '/v1/orgs/acme/seats', { token: t })).headers.get('etag'),
  };
}

const IDS = {
  org: 'acme', user_id: 'usr_member', role: 'viewer', invitation_id: 'inv_donald', role_key: 'analyst',
  group_key: 'platform', device_id: 'dev_alan_laptop', api_key_id: '',
};

test('the other org\'s credentials work on their own org', async () => {
  assert.equal(assertOk(await w.api('GET', '/v1/orgs/globex/me', { token: globexOwner() })).org.name, 'Globex');
  assert.equal(assertOk(await w.api('GET', '/v1/orgs/globex/me', { token: globexKey.key })).user.id, 'usr_owner');
  assertOk(await w.api('GET', '/v1/orgs/globex/me', { token: w.token('globex', 'usr_globex_only') }));
});

test('every endpoint of org A answers 404 to org B\'s credentials, and A is unchanged', async () => {
  const before = await snapshot();
  const doc = acmeDocument({ id: 'acme', inviteToken: 'hijack' });
  doc.users.find((u) => u.id === 'usr_owner').email = 'attacker@globex.example';
  const credentials = {
    'globex owner JWT': globexOwner(),
    'globex API key': globexKey.key,
    'JWT claiming acme for a globex-only user': w.token('acme', 'usr_globex_only'),
  };
  const cases = Object.entries(credentials).flatMap(([who, token]) => ORG_ROUTES.map((route) => [who, token, route]));
  await eachCase(cases, async ([who, token, route]) => {
    const path = fill(route.path, { ...IDS, api_key_id: acmeKey.id });
    const body = route.body === 'document' ? doc : route.body;
    const res = await w.api(route.method, path, { token, body });
    assertProblem(res, 404, 'not_found', `${who}: ${route.method} ${path}`);
  });
  assert.deepEqual(await snapshot(), before);
  // The acme key still works: nothing revoked it.
  assertOk(await w.api('GET', '/v1/orgs/acme/me', { token: acmeKey.key }));
});

test('a 404 for another org says no more than one for an org that does not exist', async () => {
  for (const path of ['/users', '/users/usr_member', '/export', '/seats']) {
    const other = await w.api('GET', `/v1/orgs/acme${path}`, { token: globexOwner() });
    const none = await w.api('GET', `/v1/orgs/no-such-org${path}`, { token: globexOwner() });
    assert.equal(other.status, 404);
    assert.equal(other.text, none.text, path);
  }
});

test('org B can\'t reach org A\'s records through B\'s own URLs', async () => {
  const before = await snapshot();
  const t = globexOwner();
  // An acme API key id, an acme-only user and acme's records by id, named under globex.
  assertProblem(await w.api('DELETE', `/v1/orgs/globex/api-keys/${acmeKey.id}`, { token: t }), 404, 'not_found');
  assertProblem(await w.api('GET', '/v1/orgs/globex/users/usr_acme_only', { token: t }), 404, 'not_found');
  assertProblem(await w.api('PUT', '/v1/orgs/globex/users/usr_acme_only/seat', { token: t }), 404);
  assertProblem(await w.api('PATCH', '/v1/orgs/globex/users/usr_acme_only', { token: t, body: { name: 'X' } }), 404);
  const body = { user_id: 'usr_acme_only', permission: 'users:read' };
  const check = assertOk(await w.api('POST', '/v1/orgs/globex/checks', { token: t, body }));
  assert.deepEqual(check.deny_reasons, [{ reason: 'unknown_user' }]);
  const search = assertOk(await w.api('GET', '/v1/orgs/globex/users?search=acme.example', { token: t }));
  assert.equal(search.total, 0);

  // Changing globex's records that share ids with acme's leaves acme's alone.
  assertOk(await w.api('POST', '/v1/orgs/globex/devices/dev_alan_laptop/revoke', { token: t }));
  assertOk(await w.api('PATCH', '/v1/orgs/globex/users/usr_member', { token: t, body: { status: 'suspended' } }));
  assertOk(await w.api('PATCH', '/v1/orgs/globex/roles/analyst', { token: t, body: { name: 'Globex analysts' } }));
  assertOk(await w.api('DELETE', '/v1/orgs/globex/groups/platform', { token: t }));
  assertOk(await w.api('PUT', '/v1/orgs/globex/billing', { token: t, body: { seats_purchased: 50 } }));
  assertOk(await w.api('POST', '/v1/invitations/accept', { body: { token: 'token-for-donald-globex' } }));
  const globexExport = await exportOf(w, 'globex', t);
  assertOk(await w.api('PUT', '/v1/orgs/globex/import', { token: t, body: { ...globexExport, invitations: [] } }));

  assert.deepEqual(await snapshot(), before);
  // And acme's pending invitation for the same email is still acme's to accept.
  const accept = { token: 'token-for-donald-acme' };
  const accepted = assertOk(await w.api('POST', '/v1/invitations/accept', { body: accept }));
  assert.equal(accepted.org_id, 'acme');
});

test('a token for B\'s invitation joins B only', async () => {
  const body = { email: 'both@example.com' };
  const invited = assertOk(await w.api('POST', '/v1/orgs/globex/invitations', { token: globexOwner(), body }), 201);
  const { token } = invited.invitations[0];
  const accepted = assertOk(await w.api('POST', '/v1/invitations/accept', { body: { token } }));
  assert.equal(accepted.org_id, 'globex');
  const inAcme = assertOk(await w.api('GET', '/v1/orgs/acme/users?search=both%40example.com', { token: acmeOwner() }));
  assert.equal(inAcme.total, 0);
});
