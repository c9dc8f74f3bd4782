// Seats are never oversold: 200 simultaneous requests for the last 10 free seats give exactly
// 10 seats, refuse the other 190 with 409, and log exactly 10 assignments.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertOk, assertProblem, auditAll, bulkDocument, exportOf } from './fixtures.mjs';
import { startWorker } from './harness.mjs';

const MEMBERS = 200;
const FREE = 10;
let w;

before(async () => {
  w = await startWorker();
  await w.seed(bulkDocument({ id: 'rush', n: MEMBERS, free: FREE }));
  await w.seed(bulkDocument({ id: 'race', n: 60, free: 10 }));
});
after(async () => {
  await w?.stop();
});

test(`${MEMBERS} simultaneous seat requests for ${FREE} free seats: exactly ${FREE} succeed`, async () => {
  const token = w.token('rush', 'usr_owner');
  const before = assertOk(await w.api('GET', '/v1/orgs/rush/seats', { token }));
  assert.deepEqual(before, { purchased: 1 + FREE, held: 1, free: FREE });
  const auditBefore = await auditAll(w, 'rush', token);

  const ids = Array.from({ length: MEMBERS }, (_, i) => `usr_m${String(i).padStart(3, '0')}`);
  const results = await Promise.all(ids.map(async (id) => {
    const res = await w.api('PUT', `/v1/orgs/rush/users/${id}/seat`, { token });
    return { id, res };
  }));

  const byStatus = {};
  for (const { res } of results) byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
  assert.deepEqual(byStatus, { 200: FREE, 409: MEMBERS - FREE }, `statuses: ${JSON.stringify(byStatus)}`);
  for (const { res } of results.filter((r) => r.res.status === 409)) {
    assertProblem(res, 409, 'seats_exhausted');
  }
  const winners = results.filter((r) => r.res.status === 200).map((r) => r.id).sort();

  const after = assertOk(await w.api('GET', '/v1/orgs/rush/seats', { token }));
  assert.deepEqual(after, { purchased: 1 + FREE, held: 1 + FREE, free: 0 });
  const seated = (await exportOf(w, 'rush', token)).users
    .filter((u) => u.seat && u.id !== 'usr_owner').map((u) => u.id).sort();
  assert.deepEqual(seated, winners, 'exactly the members whose request succeeded hold a seat');

  const listed = assertOk(await w.api('GET', '/v1/orgs/rush/users?seat=true&limit=500', { token }));
  assert.equal(listed.total, 1 + FREE);

  const audit = await auditAll(w, 'rush', token, 50);
  const burst = audit.slice(0, audit.length - auditBefore.length);
  const assigned = burst.filter((e) => e.command === 'assign_seat');
  assert.equal(assigned.length, FREE, `assign_seat entries: ${assigned.length}`);
  assert.equal(burst.length, FREE, 'nothing else was logged');
  assert.deepEqual(assigned.map((e) => e.target_id).sort(), winners);
  assert.equal(new Set(assigned.map((e) => e.version)).size, FREE, 'each assignment is its own version');
});

test('the seats stay consistent when assignments and releases race', async () => {
  const token = w.token('race', 'usr_owner');
  // Fill the free seats one by one, then release five while 50 others ask for one.
  const seatedBefore = Array.from({ length: FREE }, (_, i) => `usr_m${String(i).padStart(3, '0')}`);
  for (const id of seatedBefore) assertOk(await w.api('PUT', `/v1/orgs/race/users/${id}/seat`, { token }));
  const releases = seatedBefore.slice(0, 5).map((id) => w.api('DELETE', `/v1/orgs/race/users/${id}/seat`, { token }));
  const waiting = Array.from({ length: 50 }, (_, i) => `usr_m${String(FREE + i).padStart(3, '0')}`);
  const requests = waiting.map((id) => w.api('PUT', `/v1/orgs/race/users/${id}/seat`, { token }));
  const released = await Promise.all(releases);
  const asked = await Promise.all(requests);

  assert.ok(released.every((r) => r.status === 200), released.map((r) => r.status).join(','));
  assert.ok(asked.every((r) => r.status === 200 || r.status === 409), asked.map((r) => r.status).join(','));
  const granted = asked.filter((r) => r.status === 200).length;
  assert.ok(granted <= 5, `at most the 5 released seats were granted, got ${granted}`);
  const seats = assertOk(await w.api('GET', '/v1/orgs/race/seats', { token }));
  assert.equal(seats.purchased, 1 + FREE);
  assert.equal(seats.held, 1 + FREE - 5 + granted);
  assert.ok(seats.held <= seats.purchased);
});
