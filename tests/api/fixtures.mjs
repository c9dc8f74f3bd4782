// Org documents, the API's route table and the assertions the API tests share.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { ROOT } from './harness.mjs';

/// A timestamp as the engine writes it (`2026-11-01T09:00:00Z`), `days` from now.
export function isoDays(days = 0) {
  return new Date(Date.now() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/// The small org of tests/vectors/basic.json under `id`, with its pending invitation (for
/// donald@example.com, token `inviteToken`) valid for a week from now, and a viewer added.
///
/// Users: usr_owner (owner, seat), usr_admin (admin, seat), usr_member (group platform, seat),
/// usr_noseat (group engineering), usr_suspended (admin, suspended), usr_invited (invited),
/// usr_deact (deactivated), usr_support (group helpdesk), usr_billing (billing),
/// usr_viewer (viewer). Seats: 4 purchased, 3 held. Device dev_alan_laptop is usr_member's.
export function acmeDocument({ id = 'acme', inviteToken = `token-for-donald-${id}` } = {}) {
  const vector = JSON.parse(readFileSync(path.join(ROOT, 'tests/vectors/basic.json'), 'utf8'));
  const doc = structuredClone(vector.org);
  doc.org.id = id;
  const invitation = doc.invitations.find((i) => i.id === 'inv_donald');
  invitation.created_at = isoDays(-1);
  invitation.expires_at = isoDays(6);
  invitation.token_hash = sha256(inviteToken);
  doc.users.push({
    id: 'usr_viewer', email: 'tim@example.com', name: 'Tim Berners-Lee', status: 'active',
    roles: ['viewer'], seat: false, created_at: '2026-11-01T09:00:00Z', joined_at: '2026-11-01T09:00:00Z',
  });
  return doc;
}

/// An org with an owner holding a seat and `n` active members without one; `free` seats are
/// free. Members are usr_m000 … in order, named "Member 000" ….
export function bulkDocument({ id, n, free }) {
  const users = [{
    id: 'usr_owner', email: 'owner@example.com', name: 'Olive Owner', status: 'active',
    roles: ['owner'], seat: true, created_at: '2026-11-01T09:00:00Z', joined_at: '2026-11-01T09:00:00Z',
  }];
  for (let i = 0; i < n; i += 1) {
    const k = String(i).padStart(3, '0');
    users.push({
      id: `usr_m${k}`, email: `member${k}@example.com`, name: `Member ${k}`, status: 'active',
      roles: ['member'], seat: false, created_at: '2026-11-01T09:00:00Z', joined_at: '2026-11-01T09:00:00Z',
    });
  }
  return {
    version: 1,
    org: { id, name: `Org ${id}`, seats_purchased: 1 + free, settings: { seat_on_accept: true, invitation_days: 7 } },
    permissions: [{ key: 'projects:create', description: 'create projects' }],
    roles: [],
    groups: [],
    users,
    invitations: [],
    devices: [],
  };
}

/// The seed-7 demo org of the `roster` CLI with `users` users, under `id`.
export function demoDocument({ id, users = 50, seed = 7 }) {
  const cli = path.join(ROOT, 'target/release/roster');
  if (!existsSync(cli)) {
    throw new Error(
      'target/release/roster is missing: run `cargo build --release -p roster-cli` (tests/api/run.sh does)',
    );
  }
  const out = spawnSync(cli, ['demo', '--users', String(users), '--seed', String(seed)], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`roster demo failed: ${out.stderr}`);
  const doc = JSON.parse(out.stdout);
  doc.org.id = id;
  return doc;
}

/// A compact org document (what `GET /directory` sends the element) read back by the
/// `roster` CLI, as the JSON document it holds.
export function readCompact(bytes) {
  const cli = path.join(ROOT, 'target/release/roster');
  const out = spawnSync(cli, ['import', '-'], { input: bytes, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`roster import refused the compact document: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

/// Every route the worker serves (worker/src/api.rs), with the sample ids and bodies that
/// name real things in acmeDocument. `{org}` and the other placeholders are filled by `fill`.
export const ROUTES = [
  { method: 'GET', path: '/', public: true },
  { method: 'GET', path: '/healthz', public: true },
  { method: 'GET', path: '/v1/openapi.json', public: true },
  { method: 'POST', path: '/v1/invitations/accept', public: true, body: { token: 'nope' } },
  { method: 'POST', path: '/v1/orgs', public: true, body: {} },
  { method: 'GET', path: '/v1/orgs/{org}/me' },
  { method: 'GET', path: '/v1/orgs/{org}/me/devices' },
  { method: 'POST', path: '/v1/orgs/{org}/me/activity' },
  { method: 'PATCH', path: '/v1/orgs/{org}/settings', body: { name: 'Taken Over' } },
  { method: 'GET', path: '/v1/orgs/{org}/permissions' },
  { method: 'GET', path: '/v1/orgs/{org}/users' },
  { method: 'GET', path: '/v1/orgs/{org}/users/{user_id}' },
  { method: 'PATCH', path: '/v1/orgs/{org}/users/{user_id}', body: { name: 'Changed Name' } },
  { method: 'DELETE', path: '/v1/orgs/{org}/users/{user_id}' },
  { method: 'PUT', path: '/v1/orgs/{org}/users/{user_id}/roles/{role}' },
  { method: 'DELETE', path: '/v1/orgs/{org}/users/{user_id}/roles/{role}' },
  { method: 'PUT', path: '/v1/orgs/{org}/users/{user_id}/seat' },
  { method: 'DELETE', path: '/v1/orgs/{org}/users/{user_id}/seat' },
  { method: 'GET', path: '/v1/orgs/{org}/users/{user_id}/devices' },
  { method: 'GET', path: '/v1/orgs/{org}/invitations' },
  { method: 'POST', path: '/v1/orgs/{org}/invitations', body: { email: 'intruder@example.com' } },
  { method: 'POST', path: '/v1/orgs/{org}/invitations/{invitation_id}/resend' },
  { method: 'POST', path: '/v1/orgs/{org}/invitations/{invitation_id}/revoke' },
  { method: 'DELETE', path: '/v1/orgs/{org}/invitations/{invitation_id}' },
  { method: 'GET', path: '/v1/orgs/{org}/roles' },
  { method: 'POST', path: '/v1/orgs/{org}/roles', body: { key: 'spy', name: 'Spy', permissions: ['users:read'] } },
  { method: 'PATCH', path: '/v1/orgs/{org}/roles/{role_key}', body: { name: 'Renamed' } },
  { method: 'DELETE', path: '/v1/orgs/{org}/roles/{role_key}' },
  { method: 'GET', path: '/v1/orgs/{org}/groups' },
  { method: 'POST', path: '/v1/orgs/{org}/groups', body: { key: 'spies', name: 'Spies' } },
  { method: 'GET', path: '/v1/orgs/{org}/groups/{group_key}' },
  { method: 'PATCH', path: '/v1/orgs/{org}/groups/{group_key}', body: { name: 'Renamed' } },
  { method: 'DELETE', path: '/v1/orgs/{org}/groups/{group_key}' },
  { method: 'PUT', path: '/v1/orgs/{org}/groups/{group_key}/members/{user_id}' },
  { method: 'DELETE', path: '/v1/orgs/{org}/groups/{group_key}/members/{user_id}' },
  { method: 'PUT', path: '/v1/orgs/{org}/groups/{group_key}/roles/{role}' },
  { method: 'DELETE', path: '/v1/orgs/{org}/groups/{group_key}/roles/{role}' },
  { method: 'GET', path: '/v1/orgs/{org}/devices' },
  { method: 'POST', path: '/v1/orgs/{org}/devices/{device_id}/revoke' },
  { method: 'POST', path: '/v1/orgs/{org}/me/devices', body: { name: 'Phone', platform: 'mobile', os: 'iOS 18' } },
  { method: 'POST', path: '/v1/orgs/{org}/me/devices/{device_id}/seen' },
  { method: 'GET', path: '/v1/orgs/{org}/seats' },
  { method: 'GET', path: '/v1/orgs/{org}/billing' },
  { method: 'PUT', path: '/v1/orgs/{org}/billing', body: { seats_purchased: 100 } },
  { method: 'POST', path: '/v1/orgs/{org}/checks', body: { user_id: 'usr_member', permission: 'users:read' } },
  {
    method: 'POST', path: '/v1/orgs/{org}/checks/batch',
    body: { checks: [{ user_id: 'usr_member', permission: 'users:read' }] },
  },
  { method: 'GET', path: '/v1/orgs/{org}/audit' },
  { method: 'GET', path: '/v1/orgs/{org}/directory' },
  { method: 'GET', path: '/v1/orgs/{org}/export' },
  { method: 'PUT', path: '/v1/orgs/{org}/import', body: 'document' },
  { method: 'GET', path: '/v1/orgs/{org}/api-keys' },
  { method: 'POST', path: '/v1/orgs/{org}/api-keys', body: { name: 'stolen' } },
  { method: 'DELETE', path: '/v1/orgs/{org}/api-keys/{api_key_id}' },
];

export const ORG_ROUTES = ROUTES.filter((r) => !r.public);

/// A route's path with its placeholders filled in.
export function fill(routePath, values) {
  return routePath.replace(/\{(\w+)\}/g, (_, name) => {
    if (!(name in values)) throw new Error(`no value for {${name}} in ${routePath}`);
    return encodeURIComponent(values[name]);
  });
}

/// Asserts an RFC 9457 problem response: the status, the content type, and a body with
/// `type`, `title`, `status`, `code` and a non-empty `detail`. Returns the body.
export function assertProblem(res, status, code, message = '') {
  const where = `${message ? `${message}: ` : ''}answered ${res.status} ${res.text.slice(0, 300)}`;
  if (Array.isArray(status)) {
    assert.ok(status.includes(res.status), `expected one of ${status.join(', ')}; ${where}`);
  } else {
    assert.equal(res.status, status, where);
  }
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, where);
  const body = res.json;
  assert.ok(body && typeof body === 'object', `problem body is not JSON: ${where}`);
  assert.equal(body.status, res.status, `body.status differs from the HTTP status: ${where}`);
  assert.equal(typeof body.type, 'string', where);
  assert.equal(typeof body.title, 'string', where);
  assert.equal(typeof body.code, 'string', where);
  assert.equal(typeof body.detail, 'string', where);
  assert.ok(body.detail.length > 0, `empty detail: ${where}`);
  if (code !== undefined && code !== null) assert.equal(body.code, code, where);
  return body;
}

/// Asserts a 4xx problem (any client error, never a server error).
export function assertClientError(res, message = '') {
  const where = `${message}: expected a 4xx, answered ${res.status} ${res.text.slice(0, 300)}`;
  assert.ok(res.status >= 400 && res.status < 500, where);
  return assertProblem(res, res.status, undefined, message);
}

/// Asserts a 2xx JSON response and returns its body.
export function assertOk(res, status = 200, message = '') {
  assert.equal(res.status, status, `${message ? `${message}: ` : ''}answered ${res.status} ${res.text.slice(0, 500)}`);
  return res.json;
}

/// Runs `check` on every case and fails once at the end listing every case that failed, so
/// that one run shows all of them.
export async function eachCase(cases, check) {
  const failures = [];
  for (const c of cases) {
    try {
      await check(c);
    } catch (e) {
      failures.push(e.message.split('\n')[0]);
    }
  }
  assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases failed:\n${failures.join('\n')}`);
}

/// The fields a problem names in errors[].field.
export function fieldsOf(problem) {
  return (problem.errors ?? []).map((e) => e.field);
}

/// Every audit entry of an org, newest first, paging with `limit`.
export async function auditAll(w, org, token, limit = 500) {
  const entries = [];
  let cursor = null;
  for (let page = 0; page < 1000; page += 1) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    const res = await w.api('GET', `/v1/orgs/${org}/audit?${q}`, { token });
    assert.equal(res.status, 200, res.text);
    entries.push(...res.json.entries);
    cursor = res.json.next_cursor;
    if (!cursor) return entries;
  }
  throw new Error('audit log pages never ended');
}

/// The org's export, which must answer 200.
export async function exportOf(w, org, token) {
  const res = await w.api('GET', `/v1/orgs/${org}/export`, { token });
  assert.equal(res.status, 200, `export answered ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
}
