// GET /v1/openapi.json describes the API as it is: OpenAPI 3.1, every route the worker serves
// with its method (and none it doesn't), and real responses that match the declared schemas.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ROUTES, acmeDocument, assertOk, eachCase } from './fixtures.mjs';
import { startWorker } from './harness.mjs';
import { deref, validate } from './schema.mjs';

let w;
let doc;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
// `/v1/orgs/{org}/users/{id}` and `/v1/orgs/{o}/users/{user_id}` are the same route.
const shape = (path) => path.replace(/\{[^}]*\}/g, '{}');

before(async () => {
  w = await startWorker();
  await w.seed(acmeDocument());
  const res = await w.api('GET', '/v1/openapi.json');
  assert.equal(res.status, 200);
  doc = res.json;
});
after(async () => {
  await w?.stop();
});

/// The operation object for `method` on a concrete or templated `path`, or undefined.
function operation(method, path) {
  const want = path.split('?')[0].split('/');
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    const parts = template.split('/');
    if (parts.length !== want.length) continue;
    if (parts.every((p, i) => /^\{[^}]+\}$/.test(p) || p === want[i])) {
      const op = deref(doc, item)?.[method.toLowerCase()];
      if (op) return op;
    }
  }
  return undefined;
}

describe('the document', () => {
  test('is OpenAPI 3.1 with info and paths', async () => {
    const res = await w.api('GET', '/v1/openapi.json');
    assert.match(res.headers.get('content-type') ?? '', /^application\/(vnd\.oai\.openapi\+)?json/);
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(typeof doc.info?.title, 'string');
    assert.equal(typeof doc.info?.version, 'string');
    assert.equal(typeof doc.paths, 'object');
  });

  test('every route the API serves is described with its method', async () => {
    const described = new Set();
    for (const [template, item] of Object.entries(doc.paths ?? {})) {
      for (const method of METHODS) {
        if (deref(doc, item)?.[method]) described.add(`${method.toUpperCase()} ${shape(template)}`);
      }
    }
    const missing = ROUTES.map((r) => `${r.method} ${shape(r.path)}`).filter((r) => !described.has(r));
    assert.deepEqual(missing, [], `${missing.length} of ${ROUTES.length} routes are not in the document`);
  });

  test('describes no route the API does not serve', async () => {
    const served = new Set(ROUTES.map((r) => `${r.method} ${shape(r.path)}`));
    const extra = [];
    for (const [template, item] of Object.entries(doc.paths ?? {})) {
      for (const method of METHODS) {
        if (deref(doc, item)?.[method] && !served.has(`${method.toUpperCase()} ${shape(template)}`)) {
          extra.push(`${method.toUpperCase()} ${template}`);
        }
      }
    }
    assert.deepEqual(extra, []);
  });

  test('every operation declares its responses, and every $ref resolves', async () => {
    const problems = [];
    const walk = (node, where) => {
      if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${where}[${i}]`));
      else if (node && typeof node === 'object') {
        if (typeof node.$ref === 'string') {
          try {
            deref(doc, node);
          } catch (e) {
            problems.push(`${where}: ${e.message}`);
          }
        }
        for (const [k, v] of Object.entries(node)) walk(v, `${where}.${k}`);
      }
    };
    walk(doc, '$');
    for (const [template, item] of Object.entries(doc.paths ?? {})) {
      for (const method of METHODS) {
        const op = deref(doc, item)?.[method];
        if (!op) continue;
        const codes = Object.keys(op.responses ?? {});
        if (!codes.some((c) => /^2/.test(c))) problems.push(`${method.toUpperCase()} ${template}: no 2xx response`);
        const params = (template.match(/\{[^}]+\}/g) ?? []).map((p) => p.slice(1, -1));
        const declared = [...(deref(doc, item).parameters ?? []), ...(op.parameters ?? [])]
          .map((p) => deref(doc, p)).filter((p) => p?.in === 'path').map((p) => p.name);
        for (const p of params.filter((name) => !declared.includes(name))) {
          problems.push(`${method.toUpperCase()} ${template}: path parameter \`${p}\` not declared`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});

describe('real responses match the declared schemas', () => {
  test('the schema validator itself accepts and refuses what it should', () => {
    const root = { components: { schemas: { Id: { type: 'string', pattern: '^usr_' } } } };
    const schema = {
      type: 'object', required: ['id', 'n'], additionalProperties: false,
      properties: {
        id: { $ref: '#/components/schemas/Id' },
        n: { type: 'integer', minimum: 0 },
        tags: { type: 'array', items: { enum: ['a', 'b'] } },
        x: { type: ['string', 'null'] },
      },
    };
    assert.deepEqual(validate(root, schema, { id: 'usr_1', n: 2, tags: ['a'], x: null }), []);
    assert.equal(validate(root, schema, { id: 'bad', n: 2 }).length, 1);
    assert.equal(validate(root, schema, { id: 'usr_1', n: 1.5 }).length, 1);
    assert.equal(validate(root, schema, { id: 'usr_1', n: 1, extra: true }).length, 1);
    assert.equal(validate(root, schema, { id: 'usr_1' }).length, 1);
    assert.equal(validate(root, schema, { id: 'usr_1', n: 1, tags: ['c'] }).length, 1);
    assert.equal(validate(root, { oneOf: [{ type: 'string' }, { type: 'integer' }] }, true).length, 1);
  });

  test('a sample of responses, good and bad, validate', async () => {
    const owner = w.token('acme', 'usr_owner');
    const A = '/v1/orgs/acme';
    const samples = [
      ['GET', '/healthz'],
      ['GET', `${A}/me`, owner],
      ['GET', `${A}/permissions`, owner],
      ['GET', `${A}/users?limit=3`, owner],
      ['GET', `${A}/users/usr_member`, owner],
      ['GET', `${A}/users/usr_invited`, owner],
      ['GET', `${A}/users/usr_member/devices`, owner],
      ['GET', `${A}/invitations`, owner],
      ['GET', `${A}/roles`, owner],
      ['GET', `${A}/groups`, owner],
      ['GET', `${A}/groups/platform`, owner],
      ['GET', `${A}/devices`, owner],
      ['GET', `${A}/seats`, owner],
      ['GET', `${A}/billing`, owner],
      ['POST', `${A}/checks`, owner, { user_id: 'usr_member', permission: 'reports:export' }],
      ['POST', `${A}/checks`, owner, { user_id: 'usr_suspended', permission: 'users:read' }],
      ['POST', `${A}/checks/batch`, owner, { checks: [{ user_id: 'usr_member', permission: 'users:read' }] }],
      ['PATCH', `${A}/users/usr_viewer`, owner, { name: 'Tim' }],
      ['POST', `${A}/invitations`, owner, { email: 'schema@example.com' }],
      ['POST', `${A}/roles`, owner, { key: 'schema', name: 'Schema', permissions: ['users:read'] }],
      ['POST', `${A}/api-keys`, owner, { name: 'schema' }],
      ['GET', `${A}/api-keys`, owner],
      ['GET', `${A}/audit?limit=5`, owner],
      ['GET', `${A}/export`, owner],
      ['GET', `${A}/users`],
      ['GET', `${A}/users/usr_nobody`, owner],
      ['GET', `${A}/users?limit=abc`, owner],
      ['POST', `${A}/invitations`, owner, { email: 'grace@example.com' }],
      ['POST', `${A}/invitations`, owner, { email: 'bad' }],
      ['PUT', `${A}/users/usr_viewer/roles/owner`, w.token('acme', 'usr_admin')],
      ['POST', '/v1/invitations/accept', undefined, { token: 'token-for-donald-acme', name: 'Donald' }],
      ['POST', '/v1/invitations/accept', undefined, { token: 'nope' }],
    ];
    await eachCase(samples, async ([method, path, token, body]) => {
      const res = await w.api(method, path, { token, body });
      const where = `${method} ${path} → ${res.status}`;
      assert.ok(res.status < 500, `${where}: ${res.text.slice(0, 200)}`);
      const op = operation(method, path);
      assert.ok(op, `${where}: no operation in the document`);
      const responses = op.responses ?? {};
      const declared = responses[String(res.status)] ?? responses[`${String(res.status)[0]}XX`] ?? responses.default;
      assert.ok(declared, `${where}: status not declared (declared: ${Object.keys(responses).join(', ') || 'none'})`);
      const response = deref(doc, declared);
      const type = (res.headers.get('content-type') ?? '').split(';')[0].trim();
      const media = response.content?.[type];
      const types = Object.keys(response.content ?? {}).join(', ') || 'none';
      assert.ok(media, `${where}: no content declared for \`${type}\` (declared: ${types})`);
      assert.ok(media.schema, `${where}: no schema for \`${type}\``);
      const errors = validate(doc, media.schema, res.json);
      assert.deepEqual(errors.slice(0, 5), [], `${where}: the body breaks its schema`);
    });
  });
});

test('the API answers the document with a 200 and keeps it stable', async () => {
  const again = assertOk(await w.api('GET', '/v1/openapi.json'));
  assert.deepEqual(again, doc);
});
