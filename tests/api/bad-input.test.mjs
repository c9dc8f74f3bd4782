// A corpus of hostile and malformed input in every place a client can put it: bodies,
// fields, path segments, query parameters and headers. Every answer is a 4xx problem (never a
// 5xx), and the org is exactly as it was afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  acmeDocument, assertClientError, assertOk, assertProblem, auditAll, eachCase, exportOf, sha256,
} from './fixtures.mjs';
import { startWorker } from './harness.mjs';

let w;
const ACME = '/v1/orgs/acme';
const owner = () => w.token('acme', 'usr_owner');

before(async () => {
  w = await startWorker();
  await w.seed(acmeDocument());
});
after(async () => {
  await w?.stop();
});

/// Everything that would show a change to acme.
async function snapshot() {
  const t = owner();
  return {
    export: await exportOf(w, 'acme', t),
    audit: (await auditAll(w, 'acme', t)).length,
    apiKeys: assertOk(await w.api('GET', `${ACME}/api-keys`, { token: t })),
    invitations: assertOk(await w.api('GET', `${ACME}/invitations`, { token: t })),
    etag: (await w.api('GET', `${ACME}/seats`, { token: t })).headers.get('etag'),
  };
}

const MB = 1 << 20;
const SQL = ["' OR 1=1 --", '"; DROP TABLE users; --', "Robert'); DROP TABLE students;--", '1; SELECT * FROM api_keys'];
const MARKUP = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>'];
const UNICODE = [
  'evil\u202Egnp.exe', // right-to-left override
  'a\u2066b\u2069', // isolates
  'nul\u0000byte',
  'bell\u0007',
  'line\nbreak',
  '\uFEFFbom',
  'zero\u200Bwidth',
  '😀',
  'а', // Cyrillic a
  '\ud800', // a lone surrogate (JSON.stringify escapes it as \ud800)
  '\udfff\ud800',
];
const HUGE = ['x'.repeat(MB + 10), 'y'.repeat(100_001)];
const BLANK = ['', '   ', '\t'];

// Values that are never a valid key, id, email or permission.
const NOT_AN_IDENTIFIER = [
  ...SQL, ...MARKUP, ...UNICODE, ...HUGE, ...BLANK, 'UPPER', '../../etc/passwd', '%00', 'a'.repeat(65),
];
// Values that are never a valid display name (markup, controls and overrides, blank or huge).
const NOT_A_NAME = [
  ...MARKUP, 'evil\u202Egnp', 'nul\u0000byte', 'bell\u0007', 'line\nbreak', '\uFEFFbom', '\ud800', ...HUGE, ...BLANK,
];
// Unicode that can be put in a URL (lone surrogates can't be percent-encoded).
const ENCODABLE = UNICODE.filter((u) => !/[\ud800-\udfff]/.test(u) || /\ud83d/.test(u));

/// (label, method, path, body) for every string field of every write, filled with `values`.
function fieldCases() {
  const cases = [];
  const add = (label, method, path, make, values) => {
    for (const v of values) {
      const shown = `${JSON.stringify(v.slice(0, 30))}${v.length > 30 ? `…(${v.length})` : ''}`;
      cases.push([`${label} ${shown}`, method, path, make(v)]);
    }
  };
  add('invite email', 'POST', '/invitations', (v) => ({ email: v }), NOT_AN_IDENTIFIER);
  const local = [...SQL, ...MARKUP, ...UNICODE];
  add('invite email with valid domain', 'POST', '/invitations', (v) => ({ email: `${v}@example.com` }), local);
  add('invite role', 'POST', '/invitations', (v) => ({ email: 'ok@example.com', roles: [v] }), NOT_AN_IDENTIFIER);
  add('invite group', 'POST', '/invitations', (v) => ({ email: 'ok@example.com', groups: [v] }), NOT_AN_IDENTIFIER);
  add('user name', 'PATCH', '/users/usr_viewer', (v) => ({ name: v }), NOT_A_NAME);
  add('user locale', 'PATCH', '/users/usr_viewer', (v) => ({ settings: { locale: v } }), NOT_AN_IDENTIFIER);
  // `UPPER` has the shape of a zone name like `UTC`.
  const zones = NOT_AN_IDENTIFIER.filter((v) => v !== 'UPPER');
  add('user time zone', 'PATCH', '/users/usr_viewer', (v) => ({ settings: { time_zone: v } }), zones);
  add('user status', 'PATCH', '/users/usr_viewer', (v) => ({ status: v }), NOT_AN_IDENTIFIER);
  add('role key', 'POST', '/roles', (v) => ({ key: v, name: 'Ok', permissions: [] }), NOT_AN_IDENTIFIER);
  add('role name', 'POST', '/roles', (v) => ({ key: 'okrole', name: v, permissions: [] }), NOT_A_NAME);
  add('role permission', 'POST', '/roles', (v) => ({ key: 'okrole', name: 'Ok', permissions: [v] }), NOT_AN_IDENTIFIER);
  const descriptions = ['nul\u0000byte', 'evil\u202Egnp', '\ud800', ...HUGE];
  add('role description', 'PATCH', '/roles/analyst', (v) => ({ description: v }), descriptions);
  add('group key', 'POST', '/groups', (v) => ({ key: v, name: 'Ok' }), NOT_AN_IDENTIFIER);
  add('group name', 'POST', '/groups', (v) => ({ key: 'okgroup', name: v }), NOT_A_NAME);
  add('group parent', 'POST', '/groups', (v) => ({ key: 'okgroup', name: 'Ok', parents: [v] }), NOT_AN_IDENTIFIER);
  add('device name', 'POST', '/me/devices', (v) => ({ name: v, platform: 'p', os: 'o' }), NOT_A_NAME);
  add('device os', 'POST', '/me/devices', (v) => ({ name: 'n', platform: 'p', os: v }), NOT_A_NAME);
  add('api key name', 'POST', '/api-keys', (v) => ({ name: v }), NOT_A_NAME);
  add('seats', 'PUT', '/billing', (v) => ({ seats_purchased: v }), [...SQL, '10', ...UNICODE]);
  return cases;
}

describe('hostile values in fields', () => {
  test('every bad value in every field is a 4xx problem, and the org is unchanged', async () => {
    const before = await snapshot();
    const cases = fieldCases();
    assert.ok(cases.length > 300, `corpus of ${cases.length}`);
    await eachCase(cases, async ([label, method, path, body]) => {
      const res = await w.api(method, ACME + path, { token: owner(), body });
      assertClientError(res, `${label}: ${method} ${path}`);
    });
    // The accept endpoint, which needs no credential, with hostile tokens and names.
    const accepts = [
      ...NOT_AN_IDENTIFIER.map((token) => ({ token })),
      ...NOT_A_NAME.map((name) => ({ token: 'token-for-donald-acme', name })),
    ];
    await eachCase(accepts, async (body) => {
      const res = await w.api('POST', '/v1/invitations/accept', { body });
      assertClientError(res, `accept ${JSON.stringify(body).slice(0, 60)}`);
    });
    assert.deepEqual(await snapshot(), before);
  });

  test('numbers out of range and of the wrong kind are 4xx', async () => {
    const before = await snapshot();
    const raw = [
      '1e300', '18446744073709551616', '1.5', '-1', 'NaN', 'Infinity', '0x10', '1000001', 'null', 'true', '[10]',
    ].map((n) => `{"seats_purchased": ${n}}`);
    await eachCase(raw, async (body) => {
      assertClientError(await w.api('PUT', `${ACME}/billing`, { token: owner(), body }), body);
    });
    const invites = ['0', '4294967296', '-7'].map((n) => `{"email": "n@example.com", "expires_in_days": ${n}}`);
    await eachCase(invites, async (body) => {
      assertClientError(await w.api('POST', `${ACME}/invitations`, { token: owner(), body }), body);
    });
    const checks = ['{"user_id": "usr_member", "permission": "users:read", "min_version": 1e300}',
      '{"user_id": "usr_member", "permission": "users:read", "min_version": "1"}'];
    await eachCase(checks, async (body) => {
      assertClientError(await w.api('POST', `${ACME}/checks`, { token: owner(), body }), body);
    });
    assert.deepEqual(await snapshot(), before);
  });
});

describe('malformed and huge bodies', () => {
  const deepArray = (n) => '['.repeat(n) + ']'.repeat(n);
  const deepObject = (n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  const bodies = [
    ['null', 'null'], ['array', '[]'], ['number', '123'], ['string', '"text"'], ['true', 'true'],
    ['empty object', '{}'], ['truncated', '{"name": "x"'], ['trailing garbage', '{"name": "Valid Name"} trailing'],
    ['two documents', '{"name": "Valid Name"}{"name": "Other Name"}'],
    ['nested 10^5 arrays', deepArray(100_000)], ['nested 10^4 objects', deepObject(10_000)],
    ['nested 200 arrays in a field', `{"name": ${deepArray(200)}}`],
    ['10^6-element array', `[${new Array(1_000_000).fill('0').join(',')}]`],
    ['10^6-element array in a field', `{"name": "n", "permissions": [${new Array(1_000_000).fill('"a:b"')}]}`],
    ['1 MB+ string', JSON.stringify({ name: 'n'.repeat(MB + 1) })],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    ['UTF-16 body', Buffer.from('{"name": "x"}', 'utf16le')],
    ['BOM then garbage', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":')])],
    ['NUL bytes', Buffer.alloc(64)],
    ['lone surrogate escape in a key', '{"\\ud800": 1}'],
    ['lone surrogate escape in a value', '{"name": "\\udc00abc"}'],
    ['invalid escape', '{"name": "\\x41"}'],
    ['control character raw in a string', '{"name": "a\u0001b"}'],
    ['comment', '{"name": "x" /* hi */}'],
  ];
  const targets = [
    ['PATCH', `${ACME}/users/usr_viewer`], ['POST', `${ACME}/roles`], ['POST', `${ACME}/groups`],
    ['POST', `${ACME}/invitations`], ['POST', `${ACME}/me/devices`], ['PUT', `${ACME}/billing`],
    ['POST', `${ACME}/checks`], ['POST', `${ACME}/checks/batch`], ['POST', `${ACME}/api-keys`],
    ['PATCH', `${ACME}/roles/analyst`], ['PATCH', `${ACME}/groups/platform`], ['PUT', `${ACME}/import`],
    ['POST', '/v1/invitations/accept'],
  ];

  test('every malformed or huge body on every body-taking endpoint is a 4xx problem', async () => {
    const before = await snapshot();
    // An empty PATCH is a valid change of nothing.
    const cases = targets.flatMap(([method, path]) => bodies
      .filter(([label]) => !(method === 'PATCH' && label === 'empty object'))
      .map(([label, body]) => [label, method, path, body]));
    await eachCase(cases, async ([label, method, path, body]) => {
      const res = await w.api(method, path, { token: owner(), body });
      assertClientError(res, `${label}: ${method} ${path}`);
    });
    assert.deepEqual(await snapshot(), before);
  });

  test('whole-org documents: deep, huge and wrong ones are refused with 4xx', async () => {
    const before = await snapshot();
    const base = acmeDocument({ id: 'acme', inviteToken: 'import-token' });
    const withAdmin = (change) => {
      return { ...base, users: base.users.map((u) => (u.id === 'usr_admin' ? { ...u, ...change } : u)) };
    };
    const variants = {
      'users is 10^6 zeros': { ...base, users: new Array(1_000_000).fill(0) },
      'invitations is 10^6 empty objects': { ...base, invitations: new Array(1_000_000).fill({}) },
      'permissions is 10^5 bad keys': { ...base, permissions: new Array(100_000).fill({ key: 'NOT A KEY' }) },
      'a name of 1 MB': { ...base, org: { ...base.org, name: 'n'.repeat(MB) } },
      'markup in a user name': withAdmin({ name: '<script>alert(1)</script>' }),
      'SQL in a user id': withAdmin({ id: "usr_admin' OR 1=1 --" }),
      'RTL override in an email': withAdmin({ email: 'gr\u202Eace@example.com' }),
      'seats held above purchased': { ...base, org: { ...base.org, seats_purchased: 1 } },
      'seats purchased above the limit': { ...base, org: { ...base.org, seats_purchased: 1_000_001 } },
      'an unknown top-level field': { ...base, extra: true },
      'a future document version': { ...base, version: 2 },
      'two invitations with one token': {
        ...base,
        invitations: [...base.invitations, { ...base.invitations[0], id: 'inv_twin', user_id: 'usr_invited' }],
      },
    };
    // Each as an import into acme and as a new org `fresh`.
    const cases = Object.entries(variants).map(([label, doc]) => [
      label, JSON.stringify(doc), JSON.stringify({ ...doc, org: { ...doc.org, id: 'fresh' } }),
    ]);
    const deepArrays = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    const deepObjects = '{"org":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    cases.push(['nested 10^6 arrays (2 MB)', deepArrays, deepArrays]);
    cases.push(['nested 10^5 objects', deepObjects, deepObjects]);
    await eachCase(cases, async ([label, importBody, createBody]) => {
      assertClientError(await w.api('PUT', `${ACME}/import`, { token: owner(), body: importBody }), `import: ${label}`);
      const res = await w.api('POST', '/v1/orgs', { token: w.provisioningSecret, body: createBody });
      assertClientError(res, `create: ${label}`);
    });
    assert.deepEqual(await snapshot(), before);
    assertProblem(await w.api('GET', '/v1/orgs/fresh/me', { token: w.token('fresh', 'usr_owner') }), 404);
  });

  test('an invitation token hash already used by another org is refused with 4xx, not 5xx', async () => {
    await w.seed(acmeDocument({ id: 'second' }));
    const clash = acmeDocument({ id: 'clash', inviteToken: 'token-for-donald-acme' });
    assert.equal(clash.invitations[0].token_hash, sha256('token-for-donald-acme'));
    const doc = acmeDocument({ id: 'second', inviteToken: 'token-for-donald-acme' });
    const second = w.token('second', 'usr_owner');
    await eachCase([
      ['create an org', () => w.api('POST', '/v1/orgs', { token: w.provisioningSecret, body: clash })],
      ['import into an org', () => w.api('PUT', '/v1/orgs/second/import', { token: second, body: doc })],
    ], async ([label, send]) => {
      assertClientError(await send(), `${label} with acme's invitation token hash`);
    });
    // The token still opens acme's invitation, not another org's.
    const body = { token: 'token-for-donald-acme', name: 'Donald' };
    const accepted = assertOk(await w.api('POST', '/v1/invitations/accept', { body }));
    assert.equal(accepted.org_id, 'acme');
  });
});

describe('hostile paths, query parameters and headers', () => {
  const SEGMENTS = [...SQL, ...MARKUP, ...ENCODABLE, '%00', '%2e%2e%2fexport', 'x'.repeat(5000), 'usr_owner%27--', ' '];

  // (`..` is left out: clients resolve it before sending.)
  test('every hostile path segment is a 4xx problem, and the org is unchanged', async () => {
    const before = await snapshot();
    const routes = [
      ['GET', (s) => `${ACME}/users/${s}`], ['PATCH', (s) => `${ACME}/users/${s}`, { name: 'Valid Name' }],
      ['DELETE', (s) => `${ACME}/users/${s}`], ['PUT', (s) => `${ACME}/users/${s}/seat`],
      ['PUT', (s) => `${ACME}/users/usr_viewer/roles/${s}`], ['DELETE', (s) => `${ACME}/users/${s}/roles/viewer`],
      ['GET', (s) => `${ACME}/users/${s}/devices`], ['GET', (s) => `${ACME}/groups/${s}`],
      ['PUT', (s) => `${ACME}/groups/${s}/members/usr_viewer`], ['PUT', (s) => `${ACME}/groups/company/members/${s}`],
      ['PUT', (s) => `${ACME}/groups/company/roles/${s}`], ['PATCH', (s) => `${ACME}/roles/${s}`, { name: 'Valid' }],
      ['DELETE', (s) => `${ACME}/roles/${s}`], ['DELETE', (s) => `${ACME}/groups/${s}`],
      ['POST', (s) => `${ACME}/devices/${s}/revoke`], ['POST', (s) => `${ACME}/me/devices/${s}/seen`],
      ['POST', (s) => `${ACME}/invitations/${s}/resend`], ['DELETE', (s) => `${ACME}/invitations/${s}`],
      ['DELETE', (s) => `${ACME}/api-keys/${s}`], ['GET', (s) => `/v1/orgs/${s}/users`],
    ];
    const cases = routes.flatMap(([method, make, body]) => {
      return SEGMENTS.map((s) => [method, make(encodeURIComponent(s)), body]);
    });
    await eachCase(cases, async ([method, path, body]) => {
      assertClientError(await w.api(method, path, { token: owner(), body }), `${method} ${path.slice(0, 90)}`);
    });
    assert.deepEqual(await snapshot(), before);
  });

  test('hostile query parameters are refused or match nothing; never a 5xx', async () => {
    const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const before = await snapshot();
    const refused = [
      ...SQL.flatMap((s) => {
        return ['role', 'group', 'status', 'sort', 'cursor', 'limit'].map((k) => `${k}=${encodeURIComponent(s)}`);
      }),
      ...MARKUP.map((s) => `status=${encodeURIComponent(s)}`),
      'limit=-1', 'limit=1e999', 'limit=99999999999999999999999', 'seat=1', 'search=' + 's'.repeat(201),
      `cursor=${b64url({ sort: 'name', order: 'asc', value: "' OR 1=1 --", id: '<script>' })}x`,
      `${encodeURIComponent("' OR 1=1 --")}=1`,
    ];
    await eachCase(refused, async (q) => {
      assertClientError(await w.api('GET', `${ACME}/users?${q}`, { token: owner() }), `GET /users?${q.slice(0, 60)}`);
    });
    const auditRefused = [
      'cursor=1.1%20OR%201%3D1', 'cursor=99999999999999999999.1', "limit=' OR 1=1", 'limit=501', 'cursor=', 'before=1',
    ];
    await eachCase(auditRefused, async (q) => {
      assertClientError(await w.api('GET', `${ACME}/audit?${q}`, { token: owner() }), `GET /audit?${q}`);
    });
    // Searching for hostile text is a search like any other: it finds nobody.
    const searches = [...SQL, ...MARKUP, ...ENCODABLE, '%', '_', '*'];
    await eachCase(searches, async (s) => {
      const res = await w.api('GET', `${ACME}/users?search=${encodeURIComponent(s)}`, { token: owner() });
      const body = assertOk(res, 200, `search ${JSON.stringify(s)}`);
      assert.equal(body.total, 0, `search ${JSON.stringify(s)} found ${body.total}`);
    });
    assert.deepEqual(await snapshot(), before);
  });

  test('hostile headers are refused with 4xx', async () => {
    const before = await snapshot();
    const cases = [
      ['If-Match SQL', { 'if-match': "' OR 1=1 --" }],
      ['If-Match huge', { 'if-match': `"v${'9'.repeat(100)}"` }],
      ['If-Match negative', { 'if-match': '"v-1"' }],
      ['Authorization huge', { authorization: `Bearer ${'a'.repeat(6000)}` }],
      ['Authorization SQL', { authorization: "Bearer ' OR 1=1 --" }],
      ['Authorization API-key SQL', { authorization: "Bearer rk_' OR 1=1 --" }],
      ['Authorization markup', { authorization: 'Bearer <script>alert(1)</script>' }],
    ];
    await eachCase(cases, async ([label, headers]) => {
      const h = { ...headers };
      const token = h.authorization ? undefined : owner();
      const body = { name: 'Header Test' };
      const res = await w.api('PATCH', `${ACME}/users/usr_viewer`, { token, headers: h, body });
      assertClientError(res, label);
    });
    assert.deepEqual(await snapshot(), before);
  });
});

describe('odd but valid text', () => {
  test('valid names with SQL, emoji, RTL script or zero-width characters are stored exactly', async () => {
    const names = [
      ...SQL, "O'Brien", 'Zoë Ñandú 😀', '👩‍👩‍👧‍👦 family', 'مرحبا بالعالم', 'שלום',
      'zero\u200Bwidth', 'e\u0301 combining',
      '%s %n {0} ${x}', '\\ backslash', 'null', 'undefined',
    ];
    await eachCase(names, async (name) => {
      const res = await w.api('PATCH', `${ACME}/users/usr_viewer`, { token: owner(), body: { name } });
      assertOk(res, 200, JSON.stringify(name));
      const user = assertOk(await w.api('GET', `${ACME}/users/usr_viewer`, { token: owner() }));
      assert.equal(user.name, name);
      const search = `${ACME}/users?search=${encodeURIComponent(name)}`;
      const found = assertOk(await w.api('GET', search, { token: owner() }));
      assert.deepEqual(found.users.map((u) => u.id), ['usr_viewer'], `search ${JSON.stringify(name)}`);
    });
    // Every table is still there and whole.
    const doc = await exportOf(w, 'acme', owner());
    assert.equal(doc.users.length, acmeDocument().users.length);
    assert.equal(doc.roles.length, 2);
    assertOk(await w.api('GET', `${ACME}/api-keys`, { token: owner() }));
  });
});
