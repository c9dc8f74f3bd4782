// Every way a request can be refused, as the client sees it: a 4xx with an
// `application/problem+json` body holding `code` and a `detail` a person can act on.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  ORG_ROUTES, acmeDocument, assertOk, assertProblem, bulkDocument, eachCase, fieldsOf, fill,
} from './fixtures.mjs';
import { startWorker } from './harness.mjs';

let w;
const ACME = '/v1/orgs/acme';
const IDS = {
  org: 'acme', user_id: 'usr_member', role: 'viewer', invitation_id: 'inv_donald', role_key: 'analyst',
  group_key: 'platform', device_id: 'dev_alan_laptop', api_key_id: 'key_nope',
};
const owner = () => w.token('acme', 'usr_owner');
const admin = () => w.token('acme', 'usr_admin');
const viewer = () => w.token('acme', 'usr_viewer');
/// A request to acme's `path` with `token`.
const acme = (token, method, path, body, headers) => w.api(method, ACME + path, { token, body, headers });

before(async () => {
  w = await startWorker();
  await w.seed(acmeDocument());
});
after(async () => {
  await w?.stop();
});

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/// A JWT with exactly these header and claims, signed HS256 with `secret`.
function signed(header, claims, secret) {
  const head = `${b64url(header)}.${b64url(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

function claims(extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: 'roster-local', aud: 'roster-api', sub: 'usr_owner', org: 'acme',
    iat: now, nbf: now - 5, exp: now + 3600, ...extra,
  };
}

/// A route's sample body (an empty object for whole-org documents).
const sampleBody = (route) => (route.body === 'document' ? {} : route.body);

describe('authentication', () => {
  test('every org endpoint answers 401 without a credential, and asks for a bearer token', async () => {
    await eachCase(ORG_ROUTES, async (route) => {
      const res = await w.api(route.method, fill(route.path, IDS), { body: sampleBody(route) });
      const problem = assertProblem(res, 401, 'unauthorized', `${route.method} ${route.path}`);
      assert.match(problem.detail, /Bearer/);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer', `${route.method} ${route.path}`);
    });
  });

  test('every org endpoint answers 401 to a garbage bearer token', async () => {
    await eachCase(ORG_ROUTES, async (route) => {
      const res = await w.api(route.method, fill(route.path, IDS), { token: 'garbage', body: sampleBody(route) });
      assertProblem(res, 401, 'unauthorized', `${route.method} ${route.path}`);
    });
  });

  test('bad credentials of every kind are refused with 401 on reads and writes', async () => {
    const now = Math.floor(Date.now() / 1000);
    const alien = 'an-entirely-different-secret-of-enough-length-0123456789';
    const good = w.token('acme', 'usr_owner');
    const [gh, gp, gs] = good.split('.');
    const cases = {
      'Basic scheme': { authorization: 'Basic dXNlcjpwYXNz' },
      'empty bearer': { authorization: 'Bearer ' },
      'no scheme': { authorization: good },
      'not a JWT': { token: 'not-a-jwt' },
      'garbage parts': { token: 'a.b.c' },
      'four parts': { token: `${good}.extra` },
      expired: { token: w.token('acme', 'usr_owner', { seconds: -3600 }) },
      'not valid yet': { token: w.token('acme', 'usr_owner', { now: now + 7200 }) },
      'wrong audience': { token: w.token('acme', 'usr_owner', { audience: 'someone-else' }) },
      'wrong audience list': { token: signed({ alg: 'HS256', typ: 'JWT' }, claims({ aud: ['a', 'b'] }), w.secret) },
      'wrong issuer': { token: w.token('acme', 'usr_owner', { issuer: 'evil-idp' }) },
      'alg none, no signature': { token: `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.` },
      'alg none, signed': { token: signed({ alg: 'none', typ: 'JWT' }, claims(), w.secret) },
      'alg HS512 header': { token: signed({ alg: 'HS512', typ: 'JWT' }, claims(), w.secret) },
      'alg RS256 header': { token: signed({ alg: 'RS256', typ: 'JWT' }, claims(), w.secret) },
      'another secret': { token: w.token('acme', 'usr_owner', { secret: alien }) },
      'tampered claims': { token: `${gh}.${b64url(claims({ sub: 'usr_admin' }))}.${gs}` },
      'signature dropped': { token: `${gh}.${gp}.` },
      'missing org claim': { token: signed({ alg: 'HS256' }, { ...claims(), org: undefined }, w.secret) },
      'missing exp claim': { token: signed({ alg: 'HS256' }, { ...claims(), exp: undefined }, w.secret) },
      '`sub` not a user id': { token: w.token('acme', 'usr owner; DROP TABLE users') },
      'unknown API key': { token: `rk_${'A'.repeat(43)}` },
    };
    const endpoints = [
      ['GET', `${ACME}/users`],
      ['POST', `${ACME}/checks`, { user_id: 'usr_member', permission: 'users:read' }],
      ['PUT', `${ACME}/users/usr_viewer/seat`],
      ['GET', `${ACME}/export`],
    ];
    const all = Object.entries(cases).flatMap(([name, c]) => endpoints.map((e) => [name, c, ...e]));
    await eachCase(all, async ([name, c, method, path, body]) => {
      const headers = c.authorization !== undefined ? { authorization: c.authorization } : {};
      const res = await w.api(method, path, { token: c.token, headers, body });
      assertProblem(res, 401, 'unauthorized', `${name}: ${method} ${path}`);
    });
    // The same requests with the good token get through, so the 401s were the credential's.
    const res = await w.api('GET', `${ACME}/users`, { token: good });
    assertOk(res);
    const seat = await w.api('GET', `${ACME}/users/usr_viewer`, { token: good });
    assert.equal(seat.json.seat, false, 'a refused PUT seat changed nothing');
  });

  test('the detail says why a token was refused', async () => {
    const cases = [
      [w.token('acme', 'usr_owner', { seconds: -3600 }), /expired/],
      [w.token('acme', 'usr_owner', { audience: 'x' }), /audience/],
      [w.token('acme', 'usr_owner', { issuer: 'x' }), /issuer/],
      [`${b64url({ alg: 'none' })}.${b64url(claims())}.`, /algorithm/],
      [w.token('acme', 'usr_owner', { secret: 'x'.repeat(40) }), /signature/],
    ];
    for (const [token, pattern] of cases) {
      const problem = assertProblem(await w.api('GET', `${ACME}/me`, { token }), 401, 'unauthorized');
      assert.match(problem.detail, pattern);
    }
  });

  test('a valid token for someone who is not a member learns nothing: 404', async () => {
    const stranger = w.token('acme', 'usr_stranger');
    const reads = [['GET', '/me'], ['GET', '/users'], ['GET', '/seats'], ['PUT', '/users/usr_viewer/seat']];
    for (const [method, path] of reads) {
      assertProblem(await acme(stranger, method, path), 404, 'not_found', `${method} ${path}`);
    }
    const nowhere = w.token('nosuchorg', 'usr_owner');
    assertProblem(await w.api('GET', '/v1/orgs/nosuchorg/users', { token: nowhere }), 404, 'not_found');
  });

  test('org creation needs the provisioning secret', async () => {
    const doc = acmeDocument({ id: 'provisioned' });
    assertProblem(await w.api('POST', '/v1/orgs', { body: doc }), 401, 'unauthorized');
    assertProblem(await w.api('POST', '/v1/orgs', { body: doc, token: 'wrong-secret' }), 401, 'unauthorized');
    const longer = `${w.provisioningSecret}x`;
    assertProblem(await w.api('POST', '/v1/orgs', { body: doc, token: longer }), 401, 'unauthorized');
    assertProblem(await w.api('POST', '/v1/orgs', { body: doc, token: owner() }), 401, 'unauthorized');
    // None of those created it.
    const token = w.token('provisioned', 'usr_owner');
    assertProblem(await w.api('GET', '/v1/orgs/provisioned/me', { token }), 404, 'not_found');
  });
});

describe('engine rules reach the client', () => {
  test('a missing permission is 403 forbidden and names it', async () => {
    const problem = assertProblem(await acme(viewer(), 'PUT', '/users/usr_noseat/seat'), 403, 'forbidden');
    assert.match(problem.detail, /seats:assign/);
    assertProblem(await w.api('GET', `${ACME}/audit`, { token: viewer() }), 403, 'forbidden');
    assertProblem(await w.api('GET', `${ACME}/export`, { token: admin() }), 403, 'forbidden');
    assertProblem(await w.api('PUT', `${ACME}/import`, { token: admin(), body: acmeDocument() }), 403, 'forbidden');
  });

  test('a suspended member may do nothing: 403', async () => {
    const suspended = w.token('acme', 'usr_suspended');
    const problem = assertProblem(await w.api('GET', `${ACME}/users`, { token: suspended }), 403, 'forbidden');
    assert.match(problem.detail, /not_active/);
    const write = await w.api('PATCH', `${ACME}/users/usr_viewer`, { token: suspended, body: { name: 'Nope' } });
    assertProblem(write, 403, 'actor_not_active');
  });

  test('escalation is 403 and names the permissions the actor lacks', async () => {
    const res = await w.api('PUT', `${ACME}/users/usr_viewer/roles/owner`, { token: admin() });
    const problem = assertProblem(res, 403, 'escalation');
    assert.match(problem.detail, /billing:manage/);
    const payer = { key: 'payer', name: 'Payer', permissions: ['billing:manage'] };
    const role = await acme(admin(), 'POST', '/roles', payer);
    assert.match(assertProblem(role, 403, 'escalation').detail, /billing:manage/);
    const user = await w.api('GET', `${ACME}/users/usr_viewer`, { token: owner() });
    assert.deepEqual(user.json.roles, ['viewer']);
  });

  test('acting on yourself where that is not allowed is 403 self_action', async () => {
    const res = await w.api('PATCH', `${ACME}/users/usr_owner`, { token: owner(), body: { status: 'suspended' } });
    assertProblem(res, 403, 'self_action');
  });

  test('the last owner stays: 409 last_owner', async () => {
    assertProblem(await w.api('DELETE', `${ACME}/users/usr_owner/roles/owner`, { token: owner() }), 409, 'last_owner');
    assertProblem(await w.api('DELETE', `${ACME}/users/usr_owner`, { token: owner() }), 409, 'last_owner');
    const me = assertOk(await w.api('GET', `${ACME}/me`, { token: owner() }));
    assert.equal(me.user.status, 'active');
    assert.deepEqual(me.user.roles, ['owner']);
  });

  test('seats: exhausted and below held are 409 with the counts in the detail', async () => {
    await w.seed(bulkDocument({ id: 'seats', n: 3, free: 1 }));
    const token = w.token('seats', 'usr_owner');
    assertOk(await w.api('PUT', '/v1/orgs/seats/users/usr_m000/seat', { token }));
    const seats = (method, path, body) => w.api(method, `/v1/orgs/seats${path}`, { token, body });
    const full = assertProblem(await seats('PUT', '/users/usr_m001/seat'), 409, 'seats_exhausted');
    assert.match(full.detail, /\b2 of 2\b/, 'detail names held and purchased');
    const below = assertProblem(await seats('PUT', '/billing', { seats_purchased: 1 }), 409, 'seats_below_held');
    assert.match(below.detail, /\b1\b/);
    assert.match(below.detail, /\b2 are held\b/);
    assert.deepEqual(assertOk(await seats('GET', '/seats')), { purchased: 2, held: 2, free: 0 });
  });

  test('an impossible status change is 409 invalid_transition', async () => {
    const res = await w.api('PATCH', `${ACME}/users/usr_viewer`, { token: owner(), body: { status: 'active' } });
    assert.match(assertProblem(res, 409, 'invalid_transition').detail, /usr_viewer/);
    assertProblem(await acme(owner(), 'PUT', '/users/usr_suspended/seat'), 409, 'invalid_transition');
    const suspend = await acme(owner(), 'PATCH', '/users/usr_deact', { status: 'suspended' });
    assertProblem(suspend, 409, 'invalid_transition');
  });

  test('inviting a member again is 409 email_taken, whatever the case of the address', async () => {
    const res = await w.api('POST', `${ACME}/invitations`, { token: owner(), body: { email: 'GRACE@example.com' } });
    assert.match(assertProblem(res, 409, 'email_taken').detail, /grace@example\.com/);
    const again = await w.api('POST', `${ACME}/invitations`, { token: owner(), body: { email: 'donald@example.com' } });
    assertProblem(again, 409, 'email_taken');
  });

  test('an unknown role or group in a body is 422 naming the field', async () => {
    const res = await acme(owner(), 'POST', '/invitations', { email: 'new@example.com', roles: ['nope'] });
    const problem = assertProblem(res, 422);
    assert.ok(fieldsOf(problem).some((f) => /roles/.test(f)), `errors name the roles field: ${res.text}`);
    assert.match(problem.detail, /nope/);
    const group = await acme(owner(), 'POST', '/groups', { key: 'g1', name: 'G', parents: ['ghost'] });
    assert.ok(fieldsOf(assertProblem(group, 422)).includes('parents'), group.text);
    const role = await acme(owner(), 'POST', '/roles', { key: 'r1', name: 'R', permissions: ['nope:nothing'] });
    assert.ok(fieldsOf(assertProblem(role, 422)).includes('permissions'), role.text);
  });

  test('an invalid value is 422 naming the field', async () => {
    const res = await w.api('POST', `${ACME}/invitations`, { token: owner(), body: { email: 'not-an-email' } });
    const problem = assertProblem(res, 422);
    assert.ok(fieldsOf(problem).some((f) => /email/.test(f)), res.text);
    const days = await acme(owner(), 'POST', '/invitations', { email: 'x@example.com', expires_in_days: 99 });
    assert.ok(fieldsOf(assertProblem(days, 422)).includes('expires_in_days'), days.text);
  });

  test('built-in roles, duplicates and group cycles are 409', async () => {
    assertProblem(await acme(owner(), 'PATCH', '/roles/admin', { name: 'Boss' }), 409, 'builtin_role');
    assertProblem(await w.api('DELETE', `${ACME}/roles/owner`, { token: owner() }), 409, 'builtin_role');
    const dup = await acme(owner(), 'POST', '/roles', { key: 'analyst', name: 'Again', permissions: [] });
    assertProblem(dup, 409, 'already_exists');
    const cycle = await w.api('PATCH', `${ACME}/groups/company`, { token: owner(), body: { parents: ['platform'] } });
    assertProblem(cycle, 409, 'group_cycle');
    const again = acmeDocument({ id: 'acme', inviteToken: 'another' });
    const org = await w.api('POST', '/v1/orgs', { token: w.provisioningSecret, body: again });
    assertProblem(org, 409, 'already_exists');
  });

  test('things that do not exist are 404', async () => {
    const t = owner();
    const cases = [
      ['GET', '/users/usr_nobody'],
      ['PUT', '/users/usr_nobody/seat'],
      ['PATCH', '/users/usr_nobody', { name: 'Nobody' }],
      ['PUT', '/users/usr_member/roles/nope'],
      ['GET', '/groups/nope'],
      ['PATCH', '/groups/nope', { name: 'Nope' }],
      ['PUT', '/groups/nope/members/usr_member'],
      ['DELETE', '/roles/nope'],
      ['POST', '/invitations/inv_nope/resend'],
      ['POST', '/devices/dev_nope/revoke'],
      ['DELETE', '/api-keys/key_nope'],
    ];
    await eachCase(cases, async ([method, path, body]) => {
      assertProblem(await w.api(method, ACME + path, { token: t, body }), 404, undefined, `${method} ${path}`);
    });
    const accept = await w.api('POST', '/v1/invitations/accept', { body: { token: 'no-such-token' } });
    assertProblem(accept, 404, 'invalid_token');
  });

  test('an invitation is accepted once: then 409 invitation_not_pending', async () => {
    const body = { token: 'token-for-donald-acme', name: 'Donald Knuth' };
    const first = assertOk(await w.api('POST', '/v1/invitations/accept', { body }));
    assert.equal(first.user_id, 'usr_invited');
    assertProblem(await w.api('POST', '/v1/invitations/accept', { body }), 409, 'invitation_not_pending');
  });

  test('devices: another member\'s device is 403 not_yours, a revoked one 409 device_revoked', async () => {
    const seen = await w.api('POST', `${ACME}/me/devices/dev_alan_laptop/seen`, { token: viewer() });
    assertProblem(seen, 403, 'not_yours');
    assertOk(await w.api('POST', `${ACME}/devices/dev_alan_laptop/revoke`, { token: owner() }));
    const member = w.token('acme', 'usr_member');
    assertProblem(await acme(member, 'POST', '/me/devices/dev_alan_laptop/seen'), 409, 'device_revoked');
    assertProblem(await acme(owner(), 'POST', '/devices/dev_alan_laptop/revoke'), 409, 'device_revoked');
  });

  test('checks: too many in a batch, or a version from the future, are 422 naming the field', async () => {
    const checks = Array.from({ length: 1001 }, () => ({ user_id: 'usr_member', permission: 'users:read' }));
    const batch = await w.api('POST', `${ACME}/checks/batch`, { token: owner(), body: { checks } });
    assert.ok(fieldsOf(assertProblem(batch, 422)).includes('checks'), batch.text);
    const ahead = { user_id: 'usr_member', permission: 'users:read', min_version: 1e9 };
    const future = await acme(owner(), 'POST', '/checks', ahead);
    assert.ok(fieldsOf(assertProblem(future, 422)).includes('min_version'), future.text);
  });

  test('API keys can\'t mint API keys: 403', async () => {
    const created = assertOk(await w.api('POST', `${ACME}/api-keys`, { token: owner(), body: { name: 'ci' } }), 201);
    const res = await w.api('POST', `${ACME}/api-keys`, { token: created.key, body: { name: 'child' } });
    assertProblem(res, 403, 'forbidden');
  });
});

describe('request errors', () => {
  test('malformed JSON is 400', async () => {
    const texts = [
      '{"key": ', '{key: 1}', "{'a': 1}", '{"a": 1,}', 'nul', '', '{"a":1}{"b":2}',
      // A valid body followed by more text is not JSON either.
      '{"key": "trailing", "name": "Trailing", "permissions": []} and then some',
    ];
    await eachCase(texts, async (text) => {
      const res = await w.api('POST', `${ACME}/roles`, { token: owner(), body: text });
      const problem = assertProblem(res, 400, 'invalid_request', JSON.stringify(text));
      assert.ok(problem.errors?.length > 0, `${JSON.stringify(text)}: errors[] says what is wrong: ${res.text}`);
    });
    // Well-formed JSON that is not the object the endpoint takes is 422, not 400.
    const array = await w.api('POST', `${ACME}/roles`, { token: owner(), body: '[]' });
    assertProblem(array, 422);
  });

  test('a value of the wrong type is 422 naming the field', async () => {
    const cases = [
      ['POST', '/v1/invitations/accept', { token: 5 }, 'token'],
      ['POST', `${ACME}/api-keys`, { name: 7 }, 'name'],
      ['POST', `${ACME}/checks`, { user_id: 1, permission: 'users:read' }, 'user_id'],
      ['POST', `${ACME}/checks/batch`, { checks: {} }, 'checks'],
      ['PUT', `${ACME}/billing`, { seats_purchased: 'ten' }, 'seats_purchased'],
      ['PUT', `${ACME}/billing`, { seats_purchased: -1 }, 'seats_purchased'],
      ['PATCH', `${ACME}/users/usr_viewer`, { name: 42 }, 'name'],
      ['PATCH', `${ACME}/users/usr_viewer`, { status: 3 }, 'status'],
      ['POST', `${ACME}/roles`, { key: 'typed', name: 'T', permissions: 'users:read' }, 'permissions'],
      ['POST', `${ACME}/groups`, { key: 'typed', name: true }, 'name'],
      ['POST', `${ACME}/me/devices`, { name: ['x'], platform: 'p', os: 'o' }, 'name'],
      ['POST', `${ACME}/invitations`, { email: 'typed@example.com', expires_in_days: '7' }, 'expires_in_days'],
    ];
    await eachCase(cases, async ([method, path, body, field]) => {
      const res = await w.api(method, path, { token: owner(), body });
      const problem = assertProblem(res, 422, undefined, `${method} ${path} ${JSON.stringify(body)}`);
      assert.ok(fieldsOf(problem).includes(field), `${method} ${path}: errors name \`${field}\`: ${res.text}`);
    });
  });

  test('an unknown field is refused, naming it', async () => {
    const cases = [
      ['POST', `${ACME}/roles`, { key: 'extra', name: 'E', permissions: [], colour: 'red' }, 'colour'],
      ['POST', `${ACME}/checks`, { user_id: 'usr_member', permission: 'users:read', extra: 1 }, 'extra'],
      ['POST', '/v1/invitations/accept', { token: 'x', extra: 1 }, 'extra'],
      ['PUT', `${ACME}/billing`, { seats_purchased: 5, extra: 1 }, 'extra'],
      ['PATCH', `${ACME}/users/usr_viewer`, { nickname: 'x' }, 'nickname'],
      ['POST', `${ACME}/api-keys`, { name: 'k', scope: 'all' }, 'scope'],
      ['POST', `${ACME}/invitations`, { email: 'a@example.com', role: 'member' }, 'role'],
      ['POST', `${ACME}/me/devices`, { name: 'n', platform: 'p', os: 'o', owner: 'usr_owner' }, 'owner'],
    ];
    await eachCase(cases, async ([method, path, body, field]) => {
      const res = await w.api(method, path, { token: owner(), body });
      const problem = assertProblem(res, 422, undefined, `${method} ${path}`);
      assert.ok(fieldsOf(problem).includes(field), `${method} ${path}: errors name \`${field}\`: ${res.text}`);
    });
  });

  test('fields that come from the URL are refused in the body', async () => {
    const res = await w.api('PATCH', `${ACME}/roles/analyst`, { token: owner(), body: { key: 'other', name: 'X' } });
    assert.ok(fieldsOf(assertProblem(res, 422)).includes('key'), res.text);
    const spoofed = { user_id: 'usr_member', name: 'n', platform: 'p', os: 'o' };
    const device = await acme(owner(), 'POST', '/me/devices', spoofed);
    assert.ok(fieldsOf(assertProblem(device, 422)).includes('user_id'), device.text);
  });

  test('an oversized body is 413', async () => {
    const big = JSON.stringify({ key: 'big', name: 'Big', permissions: [], description: 'x'.repeat(2 << 20) });
    assertProblem(await w.api('POST', `${ACME}/roles`, { token: owner(), body: big }), 413, 'body_too_large');
    const huge = Buffer.alloc(33 << 20, 0x20);
    assertProblem(await w.api('PUT', `${ACME}/import`, { token: owner(), body: huge }), 413, 'body_too_large');
  });

  test('a body that is not JSON by its content type is 415', async () => {
    const body = JSON.stringify({ key: 'typed', name: 'T', permissions: [] });
    const plain = await acme(owner(), 'POST', '/roles', body, { 'content-type': 'text/plain' });
    assertProblem(plain, 415, 'unsupported_media_type');
    const urlencoded = { 'content-type': 'application/x-www-form-urlencoded' };
    const form = await acme(owner(), 'POST', '/api-keys', 'name=x', urlencoded);
    assertProblem(form, 415, 'unsupported_media_type');
    const bytes = new TextEncoder().encode(body);
    const none = await w.api('POST', `${ACME}/roles`, { token: owner(), body: bytes, contentType: null });
    assertProblem(none, 415, 'unsupported_media_type');
    const roles = assertOk(await w.api('GET', `${ACME}/roles`, { token: owner() }));
    assert.ok(!roles.roles.some((r) => r.key === 'typed'));
  });

  test('unknown routes are 404 and wrong methods on public routes 405', async () => {
    assertProblem(await w.api('GET', '/nope'), 404, 'not_found');
    assertProblem(await w.api('GET', '/v1/nope'), 404, 'not_found');
    assertProblem(await w.api('GET', '/v1/orgs'), [404, 405]);
    assertProblem(await w.api('GET', `${ACME}/nope`, { token: owner() }), 404, 'not_found');
    assertProblem(await w.api('GET', `${ACME}/users/usr_member/nope`, { token: owner() }), 404, 'not_found');
    assertProblem(await w.api('DELETE', '/healthz'), 405, 'method_not_allowed');
    assertProblem(await w.api('PUT', '/v1/openapi.json', { body: {} }), 405, 'method_not_allowed');
    assertProblem(await w.api('GET', '/v1/invitations/accept'), 405, 'method_not_allowed');
  });

  test('a 405 says which methods are allowed', async () => {
    for (const [method, path, allowed] of [['DELETE', '/healthz', 'GET'], ['GET', '/v1/invitations/accept', 'POST']]) {
      const res = await w.api(method, path);
      assertProblem(res, 405, 'method_not_allowed');
      const allow = res.headers.get('allow') ?? '';
      assert.match(allow, new RegExp(`\\b${allowed}\\b`), `${method} ${path}: the Allow header`);
    }
  });

  test('HEAD is answered like GET on the health check', async () => {
    const res = await w.api('HEAD', '/healthz');
    assert.equal(res.status, 200, 'every general-purpose server supports HEAD (RFC 9110 9.1)');
    assert.equal(res.text, '');
  });

  test('bad query parameters are 400 naming the parameter', async () => {
    const cases = [
      ['/users?cursor=garbage', 'cursor'],
      [`/users?cursor=${Buffer.from('{"sort":"name"}').toString('base64url')}`, 'cursor'],
      ['/users?limit=abc', 'limit'],
      ['/users?limit=100000', 'limit'],
      ['/users?status=bogus', 'status'],
      ['/users?seat=maybe', 'seat'],
      ['/users?sort=bogus', 'sort'],
      ['/users?order=sideways', 'order'],
      ['/users?role=NOT%20A%20KEY', 'role'],
      ['/users?frobnicate=1', 'frobnicate'],
      ['/audit?cursor=abc', 'cursor'],
      ['/audit?limit=0', 'limit'],
      ['/audit?since=yesterday', 'since'],
    ];
    await eachCase(cases, async ([path, field]) => {
      const res = await w.api('GET', ACME + path, { token: owner() });
      const problem = assertProblem(res, 400, 'invalid_request', path);
      assert.ok(fieldsOf(problem).includes(field), `${path}: errors name \`${field}\`: ${res.text}`);
    });
  });

  test('a cursor from one sort order is refused with another', async () => {
    const page = assertOk(await w.api('GET', `${ACME}/users?limit=2&sort=email`, { token: owner() }));
    assert.ok(page.next_cursor);
    const res = await w.api('GET', `${ACME}/users?limit=2&sort=name&cursor=${page.next_cursor}`, { token: owner() });
    assert.ok(fieldsOf(assertProblem(res, 400)).includes('cursor'), res.text);
  });

  test('If-Match: the current ETag passes, a stale one is 412, a malformed one 400', async () => {
    const read = await w.api('GET', `${ACME}/users/usr_viewer`, { token: owner() });
    const etag = read.headers.get('etag');
    assert.match(etag ?? '', /^"v\d+"$/);
    const rename = (name, ifMatch) => acme(owner(), 'PATCH', '/users/usr_viewer', { name }, { 'if-match': ifMatch });
    const ok = await rename('Tim B-L', etag);
    assertOk(ok);
    assert.notEqual(ok.headers.get('etag'), etag);
    const stale = await rename('Stale', etag);
    assertProblem(stale, 412, 'version_mismatch');
    const bad = await rename('Bad', 'garbage');
    assert.ok(fieldsOf(assertProblem(bad, 400)).includes('If-Match'), bad.text);
    const user = assertOk(await w.api('GET', `${ACME}/users/usr_viewer`, { token: owner() }));
    assert.equal(user.name, 'Tim B-L');
    const importStale = await acme(owner(), 'PUT', '/import', acmeDocument(), { 'if-match': etag });
    assertProblem(importStale, 412, 'version_mismatch');
  });

  test('problem responses are not cached', async () => {
    const res = await w.api('GET', `${ACME}/users/usr_nobody`, { token: owner() });
    assertProblem(res, 404);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });
});
