// The whole life of a member and of the things around them, through the API only: invite,
// accept, seat, checks, suspend, reactivate, deactivate; listing, roles, groups, devices,
// billing, the audit log, export and import, and API keys.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  acmeDocument, assertOk, assertProblem, auditAll, bulkDocument, demoDocument, exportOf,
  readCompact,
} from './fixtures.mjs';
import { startWorker } from './harness.mjs';

let w;

before(async () => {
  w = await startWorker();
});
after(async () => {
  await w?.stop();
});

/// Seeds acmeDocument under `id` and returns helpers for it.
async function org(id) {
  await w.seed(acmeDocument({ id }));
  const base = `/v1/orgs/${id}`;
  const as = (user) => w.token(id, user);
  const call = (user, method, path, body, headers) => w.api(method, base + path, { token: as(user), body, headers });
  const check = async (user, userId, permission) => {
    return assertOk(await call(user, 'POST', '/checks', { user_id: userId, permission }));
  };
  const user = async (userId) => assertOk(await call('usr_owner', 'GET', `/users/${userId}`));
  const seats = async () => assertOk(await call('usr_owner', 'GET', '/seats'));
  return { id, base, as, call, check, user, seats };
}

const reasons = (explanation) => explanation.deny_reasons.map((r) => r.reason);
/// Accepts an invitation: no credential, only the token.
const accept = (body) => w.api('POST', '/v1/invitations/accept', { body });

describe('a member from invitation to deactivation', () => {
  test('invite, accept, seat, checks, suspend, reactivate, deactivate', async () => {
    const o = await org('life');

    // An admin invites; the token is in the answer once and nowhere after.
    const invited = assertOk(await o.call('usr_admin', 'POST', '/invitations', {
      email: 'Newbie@Example.com', roles: ['member'], groups: ['engineering'],
    }), 201);
    assert.equal(invited.invitations.length, 1);
    const [invitation] = invited.invitations;
    assert.equal(invitation.email, 'newbie@example.com', 'emails are stored in lower case');
    assert.match(invitation.token, /^[A-Za-z0-9_-]{32,}$/);
    assert.ok(invitation.accept_url.endsWith(`#token=${invitation.token}`), invitation.accept_url);
    assert.ok(Date.parse(invitation.expires_at) > Date.now() + 6 * 86_400_000, 'valid for the org\'s 7 days');

    const pending = await o.call('usr_admin', 'GET', '/invitations');
    const listed = assertOk(pending).invitations.find((i) => i.id === invitation.id);
    assert.equal(listed.state, 'pending');
    assert.deepEqual(listed.roles, ['member']);
    assert.ok(!pending.text.includes(invitation.token), 'the token is not listed');
    assert.ok(!pending.text.includes('token_hash'), 'nor its hash');
    const userId = listed.user_id;
    const before = await o.user(userId);
    assert.equal(before.status, 'invited');
    assert.equal(before.invitation.id, invitation.id);
    // Invited: not active, and the invitation's roles are not theirs until they accept.
    assert.deepEqual(reasons(await o.check('usr_admin', userId, 'users:read')), ['not_active', 'not_granted']);

    // Accepting needs no credential; a seat was free, so seat_on_accept takes it.
    assert.deepEqual(await o.seats(), { purchased: 4, held: 3, free: 1 });
    const accepted = assertOk(await w.api('POST', '/v1/invitations/accept', {
      body: { token: invitation.token, name: 'Newbie Person' },
    }));
    assert.equal(accepted.org_id, 'life');
    assert.equal(accepted.user_id, userId);
    assert.deepEqual(accepted.notes, []);
    let member = await o.user(userId);
    assert.equal(member.status, 'active');
    assert.equal(member.name, 'Newbie Person');
    assert.equal(member.seat, true);
    assert.deepEqual(member.roles, ['member']);
    assert.deepEqual(member.groups, ['engineering']);
    assert.ok(member.joined_at);
    assert.equal(member.invitation, undefined, 'no pending invitation any more');
    assert.deepEqual(await o.seats(), { purchased: 4, held: 4, free: 0 });

    const allowed = await o.check('usr_admin', userId, 'projects:create');
    assert.equal(allowed.decision, 'allow');
    assert.ok(allowed.grants.some((g) => g.role === 'member' && !g.via), JSON.stringify(allowed.grants));
    assert.equal((await o.check('usr_admin', userId, 'billing:manage')).decision, 'deny');
    const batch = assertOk(await o.call('usr_admin', 'POST', '/checks/batch', { checks: [
      { user_id: userId, permission: 'projects:create' },
      { user_id: userId, permission: 'billing:manage' },
      { user_id: 'usr_nobody', permission: 'users:read' },
    ] }));
    assert.deepEqual(batch.results.map((r) => r.decision), ['allow', 'deny', 'deny']);
    assert.deepEqual(reasons(batch.results[1]), ['not_granted']);
    assert.deepEqual(reasons(batch.results[2]), ['unknown_user']);
    // A member checks themselves without users:read being needed for others.
    assert.equal((await o.check(userId, userId, 'projects:create')).decision, 'allow');

    // Suspended: the seat is freed and every check denies as not active.
    assertOk(await o.call('usr_admin', 'PATCH', `/users/${userId}`, { status: 'suspended' }));
    member = await o.user(userId);
    assert.equal(member.status, 'suspended');
    assert.equal(member.seat, false);
    assert.deepEqual(await o.seats(), { purchased: 4, held: 3, free: 1 });
    const denied = await o.check('usr_admin', userId, 'projects:create');
    assert.equal(denied.decision, 'deny');
    const notActive = (explanation) => explanation.deny_reasons.find((r) => r.reason === 'not_active');
    assert.deepEqual(notActive(denied), { reason: 'not_active', status: 'suspended' });
    assertProblem(await o.call(userId, 'GET', '/users'), 403, 'forbidden');

    // Reactivated without a seat: product access needs one again.
    assertOk(await o.call('usr_admin', 'PATCH', `/users/${userId}`, { status: 'active' }));
    member = await o.user(userId);
    assert.equal(member.status, 'active');
    assert.equal(member.seat, false);
    assert.deepEqual(reasons(await o.check('usr_admin', userId, 'projects:create')), ['needs_seat']);
    assert.equal((await o.check('usr_admin', userId, 'users:read')).decision, 'allow');
    assertOk(await o.call('usr_admin', 'PUT', `/users/${userId}/seat`));
    assert.equal((await o.user(userId)).seat, true);
    assert.equal((await o.check('usr_admin', userId, 'projects:create')).decision, 'allow');
    assertOk(await o.call('usr_admin', 'DELETE', `/users/${userId}/seat`));
    assert.equal((await o.user(userId)).seat, false);
    assertOk(await o.call('usr_admin', 'PUT', `/users/${userId}/seat`));

    // Deactivated: seat freed, access gone.
    assertOk(await o.call('usr_admin', 'DELETE', `/users/${userId}`));
    member = await o.user(userId);
    assert.equal(member.status, 'deactivated');
    assert.equal(member.seat, false);
    assert.deepEqual(await o.seats(), { purchased: 4, held: 3, free: 1 });
    const gone = await o.check('usr_admin', userId, 'users:read');
    assert.deepEqual(notActive(gone), { reason: 'not_active', status: 'deactivated' });
  });

  test('accepting without a free seat notes it; a seat bought later can be assigned', async () => {
    const o = await org('noseat');
    const invited = assertOk(await o.call('usr_owner', 'POST', '/invitations', {
      invitations: [{ email: 'first@example.com' }, { email: 'second@example.com' }],
    }), 201);
    const [first, second] = invited.invitations;
    const a = assertOk(await accept({ token: first.token }));
    assert.equal((await o.user(a.user_id)).seat, true);
    const b = assertOk(await accept({ token: second.token, name: 'Second' }));
    assert.deepEqual(b.notes, [{ note: 'no_seat_free', user_id: b.user_id }]);
    assert.equal((await o.user(b.user_id)).seat, false);
    assertProblem(await o.call('usr_owner', 'PUT', `/users/${b.user_id}/seat`), 409, 'seats_exhausted');
    assertOk(await o.call('usr_owner', 'PUT', '/billing', { seats_purchased: 5 }));
    assertOk(await o.call('usr_owner', 'PUT', `/users/${b.user_id}/seat`));
    assert.deepEqual(await o.seats(), { purchased: 5, held: 5, free: 0 });
  });

  test('invitations are resent with a new token and can be revoked', async () => {
    const o = await org('resend');
    const invite = async (email) => {
      return assertOk(await o.call('usr_owner', 'POST', '/invitations', { email }), 201).invitations[0];
    };
    const invitation = async (id) => {
      return assertOk(await o.call('usr_owner', 'GET', '/invitations')).invitations.find((i) => i.id === id);
    };
    const inv = await invite('again@example.com');
    const resent = assertOk(await o.call('usr_owner', 'POST', `/invitations/${inv.id}/resend`));
    assert.ok(resent.version > 1);
    assert.equal((await invitation(inv.id)).sends, 2);
    // The first token no longer works.
    assertProblem(await accept({ token: inv.token }), 404, 'invalid_token');

    const other = await invite('never@example.com');
    assertOk(await o.call('usr_owner', 'POST', `/invitations/${other.id}/revoke`));
    assert.equal((await invitation(other.id)).state, 'revoked');
    const removed = await o.call('usr_owner', 'GET', `/users/${other.user_id}`);
    assertProblem(removed, 404, 'not_found', 'a user who never joined is removed');
    assertProblem(await accept({ token: other.token }), 409, 'invitation_not_pending');
    assertOk(await o.call('usr_owner', 'DELETE', '/invitations/inv_donald'));
    assertProblem(await o.call('usr_owner', 'DELETE', '/invitations/inv_donald'), 409, 'invitation_not_pending');
  });
});

describe('reads', () => {
  test('GET /me describes the caller, their org and what they may do', async () => {
    const o = await org('me');
    const res = await o.call('usr_owner', 'GET', '/me');
    const me = assertOk(res);
    assert.match(res.headers.get('etag') ?? '', /^"v1"$/);
    assert.equal(me.user.id, 'usr_owner');
    assert.equal(me.user.email, 'ada@example.com');
    assert.deepEqual(me.user.roles_held, [{ role: 'owner' }]);
    assert.deepEqual(me.org, { id: 'me', name: 'Acme', seats: { purchased: 4, held: 3, free: 1 } });
    assert.equal(me.credential, 'jwt');
    assert.ok(me.permissions.includes('billing:manage'));
    assert.ok(me.permissions.includes('reports:export'));
    assert.deepEqual(me.permissions, [...me.permissions].sort());

    const viewer = assertOk(await o.call('usr_viewer', 'GET', '/me'));
    assert.ok(viewer.permissions.includes('users:read'));
    assert.ok(!viewer.permissions.includes('seats:assign'));
    assert.ok(!viewer.permissions.includes('reports:export'), 'product permissions needing a seat need one');
    // Nested groups: platform → engineering → company, each hop named.
    const member = assertOk(await o.call('usr_member', 'GET', '/me'));
    assert.deepEqual(
      member.user.roles_held.map((g) => `${g.role}<${(g.via ?? []).join('<')}`).sort(),
      ['analyst<platform', 'member<platform<engineering', 'viewer<platform<engineering<company'],
    );
  });

  test('GET /users filters, sorts and pages with cursors (the CLI demo org)', async () => {
    await w.seed(demoDocument({ id: 'demo' }));
    const token = w.token('demo', 'usr_00000');
    const list = async (query) => assertOk(await w.api('GET', `/v1/orgs/demo/users?${query}`, { token }));
    const all = async (query, limit) => {
      const ids = [];
      let cursor = '';
      for (let page = 0; page < 100; page += 1) {
        const q = `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const body = await list(q);
        assert.ok(body.users.length <= limit);
        ids.push(...body.users.map((u) => u.id));
        if (!body.next_cursor) return ids;
        cursor = body.next_cursor;
      }
      throw new Error('pages never ended');
    };
    const doc = await exportOf(w, 'demo', token);
    const users = doc.users;
    assert.equal(users.length, 50);

    const first = await list('');
    assert.equal(first.total, 50);
    assert.equal(first.users.length, 50);
    assert.equal(first.next_cursor, null);
    const nameKey = (u) => (u.name ?? u.email).toLowerCase();
    for (let i = 1; i < first.users.length; i += 1) {
      assert.ok(nameKey(first.users[i - 1]) <= nameKey(first.users[i]), 'sorted by name');
    }

    const paged = await all('', 7);
    assert.deepEqual(paged, first.users.map((u) => u.id), 'pages of 7 join to the unpaged list');
    assert.equal(new Set(paged).size, 50);

    const expectFilter = async (query, keep) => {
      const body = await list(`${query}&limit=500`);
      const want = users.filter(keep).map((u) => u.id).sort();
      assert.deepEqual(body.users.map((u) => u.id).sort(), want, query);
      assert.equal(body.total, want.length, query);
      return body;
    };
    await expectFilter('status=suspended', (u) => u.status === 'suspended');
    await expectFilter('status=active,suspended', (u) => ['active', 'suspended'].includes(u.status));
    await expectFilter('seat=true', (u) => u.seat);
    await expectFilter('seat=false&status=active', (u) => !u.seat && u.status === 'active');
    await expectFilter('group=engineering', (u) => (u.groups ?? []).includes('engineering'));
    await expectFilter('search=ADA', (u) => `${u.name ?? ''} ${u.email}`.toLowerCase().includes('ada'));
    const owners = await list('role=owner&limit=500');
    assert.ok(['usr_00000', 'usr_00001'].every((id) => owners.users.some((u) => u.id === id)));
    assert.ok(owners.users.every((u) => u.roles_held.some((g) => g.role === 'owner')));

    const byEmail = await list('sort=email&order=desc&limit=500');
    const emails = byEmail.users.map((u) => u.email);
    assert.deepEqual(emails, [...emails].sort().reverse());
    const byCreated = await list('sort=created&limit=500');
    const created = byCreated.users.map((u) => u.created_at);
    assert.deepEqual(created, [...created].sort());

    const activeByEmail = (await list('status=active&sort=email&limit=500')).users.map((u) => u.id);
    assert.deepEqual(await all('status=active&sort=email', 5), activeByEmail);
    const desc = (await list('sort=last_active&order=desc&limit=500')).users.map((u) => u.id);
    assert.deepEqual(await all('sort=last_active&order=desc', 9), desc);
  });
});

describe('roles, groups, devices, billing', () => {
  test('custom roles: create, read, update, assign, unassign, delete', async () => {
    const o = await org('roles');
    const created = assertOk(await o.call('usr_owner', 'POST', '/roles', {
      key: 'auditor', name: 'Auditor', description: 'reads the log', permissions: ['users:read', 'audit:read'],
    }), 201);
    const events = created.events.map((e) => [e.command, e.target_kind, e.target_id]);
    assert.deepEqual(events, [['create_role', 'role', 'auditor']]);
    let roles = assertOk(await o.call('usr_owner', 'GET', '/roles')).roles;
    const builtin = roles.filter((r) => r.builtin).map((r) => r.key).sort();
    assert.deepEqual(builtin, ['admin', 'billing', 'member', 'owner', 'viewer']);
    const auditor = roles.find((r) => r.key === 'auditor');
    assert.deepEqual(auditor, {
      key: 'auditor', name: 'Auditor', description: 'reads the log',
      permissions: ['audit:read', 'users:read'], builtin: false,
    });
    const { permissions: catalog } = assertOk(await o.call('usr_owner', 'GET', '/permissions'));
    assert.ok(catalog.some((p) => p.key === 'audit:read' && p.builtin));
    assert.ok(catalog.some((p) => p.key === 'reports:export' && !p.builtin && p.needs_seat === true));

    assertOk(await o.call('usr_owner', 'PATCH', '/roles/auditor', { name: 'Auditors', permissions: ['audit:read'] }));
    roles = assertOk(await o.call('usr_owner', 'GET', '/roles')).roles;
    assert.equal(roles.find((r) => r.key === 'auditor').name, 'Auditors');
    assert.deepEqual(roles.find((r) => r.key === 'auditor').permissions, ['audit:read']);

    assertProblem(await o.call('usr_viewer', 'GET', '/audit'), 403, 'forbidden');
    assertOk(await o.call('usr_owner', 'PUT', '/users/usr_viewer/roles/auditor'));
    assert.deepEqual((await o.user('usr_viewer')).roles, ['auditor', 'viewer']);
    const allowed = await o.check('usr_owner', 'usr_viewer', 'audit:read');
    assert.equal(allowed.decision, 'allow');
    assert.deepEqual(allowed.grants, [{ role: 'auditor' }]);
    assertOk(await o.call('usr_viewer', 'GET', '/audit'));

    assertOk(await o.call('usr_owner', 'DELETE', '/users/usr_viewer/roles/auditor'));
    assert.deepEqual(reasons(await o.check('usr_owner', 'usr_viewer', 'audit:read')), ['not_granted']);
    assertOk(await o.call('usr_owner', 'PUT', '/users/usr_viewer/roles/auditor'));
    assertOk(await o.call('usr_owner', 'DELETE', '/roles/auditor'));
    roles = assertOk(await o.call('usr_owner', 'GET', '/roles')).roles;
    assert.ok(!roles.some((r) => r.key === 'auditor'));
    assert.deepEqual((await o.user('usr_viewer')).roles, ['viewer'], 'deleting a role takes it from everyone');
  });

  test('groups: create, read, members, roles, update, delete', async () => {
    const o = await org('groups');
    assertOk(await o.call('usr_owner', 'POST', '/groups', {
      key: 'ops', name: 'Ops', description: 'on call', roles: ['viewer'], parents: ['company'],
    }), 201);
    let ops = assertOk(await o.call('usr_owner', 'GET', '/groups/ops'));
    assert.equal(ops.name, 'Ops');
    assert.deepEqual(ops.roles, ['viewer']);
    assert.deepEqual(ops.parents, ['company']);
    assert.deepEqual(ops.members, []);
    assert.ok(ops.permissions.includes('users:read'));
    assert.ok(assertOk(await o.call('usr_owner', 'GET', '/groups')).groups.some((g) => g.key === 'ops'));

    assertOk(await o.call('usr_owner', 'PUT', '/groups/ops/members/usr_billing'));
    assert.deepEqual(assertOk(await o.call('usr_owner', 'GET', '/groups/ops')).members, ['usr_billing']);
    const listed = assertOk(await o.call('usr_owner', 'GET', '/users?group=ops'));
    assert.deepEqual(listed.users.map((u) => u.id), ['usr_billing']);

    assertOk(await o.call('usr_owner', 'PUT', '/groups/ops/roles/analyst'));
    ops = assertOk(await o.call('usr_owner', 'GET', '/groups/ops'));
    assert.deepEqual([...ops.roles].sort(), ['analyst', 'viewer']);
    const check = await o.check('usr_owner', 'usr_billing', 'reports:export');
    assert.deepEqual(check.grants, [{ role: 'analyst', via: ['ops'] }]);
    assert.deepEqual(reasons(check), ['needs_seat']);
    assertOk(await o.call('usr_owner', 'DELETE', '/groups/ops/roles/analyst'));
    assert.deepEqual(assertOk(await o.call('usr_owner', 'GET', '/groups/ops')).roles, ['viewer']);
    assert.deepEqual((await o.check('usr_owner', 'usr_billing', 'reports:export')).grants, []);

    assertOk(await o.call('usr_owner', 'PATCH', '/groups/ops', { description: 'paged at night', name: 'Operations' }));
    ops = assertOk(await o.call('usr_owner', 'GET', '/groups/ops'));
    assert.equal(ops.description, 'paged at night');
    assert.equal(ops.name, 'Operations');
    assertOk(await o.call('usr_owner', 'DELETE', '/groups/ops/members/usr_billing'));
    assert.deepEqual(assertOk(await o.call('usr_owner', 'GET', '/groups/ops')).members, []);
    assertOk(await o.call('usr_owner', 'DELETE', '/groups/ops'));
    assertProblem(await o.call('usr_owner', 'GET', '/groups/ops'), 404, 'not_found');
    assert.ok(!assertOk(await o.call('usr_owner', 'GET', '/groups')).groups.some((g) => g.key === 'ops'));
  });

  test('devices: register, list, seen, revoke', async () => {
    const o = await org('devices');
    const device = { name: 'Work phone', platform: 'mobile', os: 'Android 15' };
    const registered = await o.call('usr_member', 'POST', '/me/devices', device);
    assert.ok([200, 201].includes(registered.status), registered.text);
    const id = registered.json.events.find((e) => e.target_kind === 'device').target_id;
    assert.match(id, /^dev_/);
    let devices = assertOk(await o.call('usr_owner', 'GET', '/users/usr_member/devices')).devices;
    const phone = devices.find((d) => d.id === id);
    assert.equal(phone.name, 'Work phone');
    assert.equal(phone.platform, 'mobile');
    assert.equal(phone.os, 'Android 15');
    assert.equal(phone.revoked_at, undefined);
    assert.equal((await o.user('usr_member')).devices, 2);

    assertOk(await o.call('usr_member', 'POST', `/me/devices/${id}/seen`));
    devices = assertOk(await o.call('usr_owner', 'GET', '/devices')).devices;
    assert.ok(devices.find((d) => d.id === id).last_seen_at >= phone.first_seen_at);

    assertOk(await o.call('usr_owner', 'POST', `/devices/${id}/revoke`));
    devices = assertOk(await o.call('usr_owner', 'GET', '/devices')).devices;
    assert.ok(devices.find((d) => d.id === id).revoked_at);
    assert.equal((await o.user('usr_member')).devices, 1, 'revoked devices are not counted');
    // A member may revoke their own device without devices:revoke.
    assertOk(await o.call('usr_member', 'POST', '/devices/dev_alan_laptop/revoke'));
    assert.equal((await o.user('usr_member')).devices, 0);
    assertProblem(await o.call('usr_viewer', 'POST', `/devices/${id}/revoke`), 403);
  });

  test('billing: read and set the purchased seats', async () => {
    const o = await org('billing');
    assert.deepEqual(assertOk(await o.call('usr_billing', 'GET', '/billing')), { seats_purchased: 4 });
    assertOk(await o.call('usr_billing', 'PUT', '/billing', { seats_purchased: 12 }));
    assert.deepEqual(assertOk(await o.call('usr_owner', 'GET', '/billing')), { seats_purchased: 12 });
    assert.deepEqual(await o.seats(), { purchased: 12, held: 3, free: 9 });
    assertProblem(await o.call('usr_admin', 'PUT', '/billing', { seats_purchased: 100 }), 403);
    assertProblem(await o.call('usr_viewer', 'GET', '/billing'), 403, 'forbidden');
    assert.deepEqual(assertOk(await o.call('usr_owner', 'GET', '/billing')), { seats_purchased: 12 });
  });
});

describe('audit, export and import, API keys', () => {
  test('the audit log records each change, newest first, with who did it', async () => {
    const o = await org('audited');
    assertOk(await o.call('usr_admin', 'PATCH', '/users/usr_viewer', { name: 'Tim' }));
    assertOk(await o.call('usr_owner', 'PUT', '/users/usr_noseat/seat'));
    assertOk(await o.call('usr_admin', 'PATCH', '/users/usr_viewer', { status: 'suspended' }));
    assertOk(await w.api('POST', '/v1/invitations/accept', { body: { token: 'token-for-donald-audited' } }));
    assertOk(await o.call('usr_owner', 'PUT', '/billing', { seats_purchased: 10 }));
    // A refused command and a read leave no entry.
    assertProblem(await o.call('usr_viewer', 'PUT', '/users/usr_noseat/seat'), 403);
    assertOk(await o.call('usr_owner', 'GET', '/users'));

    const entries = (await auditAll(w, 'audited', o.as('usr_owner'))).filter((e) => e.version > 1);
    const seen = entries.map((e) => [e.command, e.target_kind, e.target_id, JSON.stringify(e.actor)]);
    const admin = '{"user":"usr_admin"}';
    const owner = '{"user":"usr_owner"}';
    const donald = '{"user":"usr_invited"}';
    // Within one change, entries run newest first too: accepting touched the user, then the
    // invitation.
    assert.deepEqual(seen, [
      ['set_seats_purchased', 'org', 'audited', owner],
      ['accept_invitation', 'invitation', 'inv_donald', donald],
      ['accept_invitation', 'user', 'usr_invited', donald],
      ['suspend_user', 'user', 'usr_viewer', admin],
      ['assign_seat', 'user', 'usr_noseat', owner],
      ['update_user', 'user', 'usr_viewer', admin],
    ]);
    const rename = entries.find((e) => e.command === 'update_user');
    assert.equal(rename.before.name, 'Tim Berners-Lee');
    assert.equal(rename.after.name, 'Tim');
    const seat = entries.find((e) => e.command === 'assign_seat');
    assert.equal(seat.before.seat, false);
    assert.equal(seat.after.seat, true);
    assert.ok(entries.every((e) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(e.at)));
    assert.deepEqual(entries.map((e) => e.version), [6, 5, 5, 4, 3, 2]);
    // Paging one entry at a time gives the same log.
    const paged = (await auditAll(w, 'audited', o.as('usr_owner'), 1)).filter((e) => e.version > 1);
    assert.deepEqual(paged, entries);
  });

  test('the directory is the export for readers of users, with no token hash', async () => {
    const o = await org('directory');
    assertOk(await o.call('usr_owner', 'POST', '/invitations', { email: 'soon@example.com' }), 201);
    const exported = assertOk(await o.call('usr_owner', 'GET', '/export'));
    assertProblem(await o.call('usr_viewer', 'GET', '/export'), 403);
    const res = await o.call('usr_viewer', 'GET', '/directory');
    const directory = assertOk(res);
    assert.match(res.headers.get('etag') ?? '', /^"v\d+"$/);
    assert.equal(directory.invitations.length, 2);
    assert.ok(directory.invitations.every((i) => i.token_hash === '0'.repeat(64)), res.text);
    for (const i of exported.invitations) assert.ok(!res.text.includes(i.token_hash));
    const withoutHashes = (doc) => ({
      ...doc, invitations: doc.invitations.map(({ token_hash, ...rest }) => rest),
    });
    assert.deepEqual(withoutHashes(directory), withoutHashes(exported));
    // A suspended admin reads nothing.
    assertProblem(await o.call('usr_suspended', 'GET', '/directory'), 403);

    // Asked for the compact form, the same document comes as bytes the engine reads back.
    const accept = 'application/vnd.roster.org';
    const binary = await w.api('GET', `${o.base}/directory`, {
      token: o.as('usr_viewer'), headers: { accept }, raw: true,
    });
    assert.equal(binary.status, 200);
    assert.equal(binary.headers.get('content-type'), accept);
    assert.equal(binary.headers.get('etag'), res.headers.get('etag'));
    assert.match(binary.headers.get('vary') ?? '', /accept/i);
    assert.equal(Buffer.from(binary.bytes.subarray(0, 4)).toString(), 'RSTR');
    assert.ok(binary.bytes.length * 2 < Buffer.byteLength(res.text), `${binary.bytes.length} bytes`);
    for (const i of exported.invitations) {
      assert.ok(!Buffer.from(binary.bytes).includes(Buffer.from(i.token_hash, 'hex')));
    }
    assert.deepEqual(readCompact(binary.bytes), directory);
    const refused = await w.api('GET', `${o.base}/directory`, {
      token: o.as('usr_suspended'), headers: { accept },
    });
    assertProblem(refused, 403);
  });

  test('export then import round-trips an org without invitations', async () => {
    await w.seed(bulkDocument({ id: 'plain', n: 5, free: 2 }));
    const token = w.token('plain', 'usr_owner');
    assertOk(await w.api('PUT', '/v1/orgs/plain/users/usr_m001/seat', { token }));
    const res = await w.api('GET', '/v1/orgs/plain/export', { token });
    const exported = assertOk(res);
    const headers = { 'if-match': res.headers.get('etag') };
    const imported = assertOk(await w.api('PUT', '/v1/orgs/plain/import', { token, body: exported, headers }));
    assert.equal(imported.version, 3);
    assert.deepEqual(await exportOf(w, 'plain', token), exported);
  });

  test('export then import round-trips an org with invitations, and pending ones still work', async () => {
    const o = await org('roundtrip');
    assertOk(await o.call('usr_owner', 'POST', '/invitations', { email: 'later@example.com', roles: ['viewer'] }), 201);
    const res = await o.call('usr_owner', 'GET', '/export');
    const exported = assertOk(res);
    // The document keeps token hashes (never tokens), so pending invitations survive import.
    assert.ok(exported.invitations.every((i) => /^[0-9a-f]{64}$/.test(i.token_hash)), res.text);
    assert.ok(!res.text.includes('token-for-donald-roundtrip'), 'no token is ever exported');
    assert.equal(exported.invitations.length, 2);
    const imported = await o.call('usr_owner', 'PUT', '/import', exported, { 'if-match': res.headers.get('etag') });
    assertOk(imported, 200, 'importing an unchanged export');
    assert.deepEqual(assertOk(await o.call('usr_owner', 'GET', '/export')), exported);
    const accepted = assertOk(await accept({ token: 'token-for-donald-roundtrip' }));
    assert.equal(accepted.user_id, 'usr_invited');
  });

  test('import replaces the org with a changed document', async () => {
    const o = await org('replace');
    const doc = acmeDocument({ id: 'replace', inviteToken: 'replacement-token' });
    doc.org.name = 'Acme Renamed';
    doc.users.find((u) => u.id === 'usr_viewer').name = 'Timothy';
    const imported = assertOk(await o.call('usr_owner', 'PUT', '/import', doc));
    assert.equal(imported.version, 2);
    assert.equal((await o.user('usr_viewer')).name, 'Timothy');
    assert.equal(assertOk(await o.call('usr_owner', 'GET', '/me')).org.name, 'Acme Renamed');
    // The importer must stay an owner.
    const coup = structuredClone(doc);
    coup.users.find((u) => u.id === 'usr_owner').roles = ['member'];
    coup.users.find((u) => u.id === 'usr_admin').roles = ['owner'];
    assertProblem(await o.call('usr_owner', 'PUT', '/import', coup), 422);
    const other = acmeDocument({ id: 'elsewhere' });
    assertProblem(await o.call('usr_owner', 'PUT', '/import', other), 422);
    assert.equal((await o.user('usr_admin')).roles[0], 'admin');
  });

  test('API keys: create, use as a bearer, list without the secret, revoke', async () => {
    const o = await org('keys');
    const key = assertOk(await o.call('usr_owner', 'POST', '/api-keys', { name: 'ci' }), 201);
    assert.match(key.key, /^rk_[A-Za-z0-9_-]{40,}$/);
    assert.match(key.id, /^key_/);
    assert.equal(key.created_by, 'usr_owner');
    const me = assertOk(await w.api('GET', '/v1/orgs/keys/me', { token: key.key }));
    assert.equal(me.user.id, 'usr_owner');
    assert.deepEqual(me.credential, { api_key: key.id });
    assertOk(await w.api('PATCH', '/v1/orgs/keys/users/usr_viewer', { token: key.key, body: { name: 'Set By Key' } }));
    const [entry] = await auditAll(w, 'keys', o.as('usr_owner'));
    assert.equal(entry.command, 'update_user');
    assert.deepEqual(entry.actor, { user: 'usr_owner' }, 'a key acts as the person who made it');

    const listed = await o.call('usr_owner', 'GET', '/api-keys');
    const row = assertOk(listed).api_keys.find((k) => k.id === key.id);
    assert.equal(row.name, 'ci');
    assert.equal(row.revoked_at, null);
    assert.ok(!listed.text.includes(key.key), 'the secret is shown once');

    const revoked = assertOk(await o.call('usr_owner', 'DELETE', `/api-keys/${key.id}`));
    assert.equal(revoked.id, key.id);
    assertProblem(await w.api('GET', '/v1/orgs/keys/me', { token: key.key }), 401, 'unauthorized');
    assert.ok(assertOk(await o.call('usr_owner', 'GET', '/api-keys')).api_keys.find((k) => k.id === key.id).revoked_at);
    assertProblem(await o.call('usr_owner', 'DELETE', `/api-keys/${key.id}`), 404, 'not_found');

    // Both are in the audit log, newest first, once each (the refused second revocation adds
    // nothing), as the person who did them, and without the secret or its hash.
    const log = await auditAll(w, 'keys', o.as('usr_owner'));
    const logged = log.filter((e) => e.target_kind === 'api_key');
    assert.deepEqual(logged.map((e) => [e.command, e.target_id]),
      [['revoke_api_key', key.id], ['create_api_key', key.id]]);
    assert.ok(logged.every((e) => e.actor.user === 'usr_owner'));
    const [revocation, creation] = logged;
    assert.equal(creation.before, null);
    assert.deepEqual(creation.after,
      { id: key.id, name: 'ci', created_by: 'usr_owner', created_at: creation.at, revoked_at: null });
    assert.deepEqual(revocation.before, creation.after);
    assert.deepEqual(revocation.after, { ...creation.after, revoked_at: revocation.at });
    assert.deepEqual(log.slice(0, 3).map((e) => e.command),
      ['revoke_api_key', 'update_user', 'create_api_key'], 'in the order they happened');
    const text = JSON.stringify(log);
    assert.ok(!text.includes(key.key.slice(3)) && !text.includes('hash'));
  });

  test('an API key can do no more than its maker can now', async () => {
    const o = await org('keyholder');
    const key = assertOk(await o.call('usr_admin', 'POST', '/api-keys', { name: 'admin-script' }), 201);
    assertOk(await w.api('GET', '/v1/orgs/keyholder/users', { token: key.key }));
    const billing = { seats_purchased: 9 };
    assertProblem(await w.api('PUT', '/v1/orgs/keyholder/billing', { token: key.key, body: billing }), 403);
    assertOk(await o.call('usr_owner', 'PATCH', '/users/usr_admin', { status: 'suspended' }));
    assertProblem(await w.api('GET', '/v1/orgs/keyholder/users', { token: key.key }), 403, 'forbidden');
  });
});
