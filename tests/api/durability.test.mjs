// A write that was answered 2xx survives the server being killed (SIGKILL, no shutdown) in
// the middle of a burst of writes; a write that was cut off is either whole or absent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertOk, auditAll, bulkDocument, exportOf } from './fixtures.mjs';
import { startWorker } from './harness.mjs';

// Several writes in flight at once, one per org, so that the burst is concurrent without
// depending on how requests to one org queue.
const ORGS = ['dur-a', 'dur-b', 'dur-c', 'dur-d'];
const PER_ORG = 25;
const KILL_AFTER = 40;
let w;

before(async () => {
  w = await startWorker();
  for (const id of ORGS) await w.seed(bulkDocument({ id, n: PER_ORG, free: 0 }));
});
after(async () => {
  await w?.stop();
});

const userId = (i) => `usr_m${String(i).padStart(3, '0')}`;
const written = (org, i) => `Written ${org} ${i}`;

test('every write answered 2xx before a SIGKILL is there after a restart', async (t) => {
  const outcomes = []; // { org, i, status } or { org, i, error }
  let succeeded = 0;
  let killed = null;
  const writer = async (org) => {
    const token = w.token(org, 'usr_owner');
    for (let i = 0; i < PER_ORG; i += 1) {
      try {
        const body = { name: written(org, i) };
        const res = await w.api('PATCH', `/v1/orgs/${org}/users/${userId(i)}`, { token, body });
        outcomes.push({ org, i, status: res.status });
        if (res.status >= 200 && res.status < 300) succeeded += 1;
      } catch (error) {
        outcomes.push({ org, i, error: error.message });
      }
      if (succeeded >= KILL_AFTER && !killed) killed = w.kill();
    }
  };
  await Promise.all(ORGS.map(writer));
  await killed;
  assert.ok(killed, `the burst ended before ${KILL_AFTER} writes succeeded: ${JSON.stringify(outcomes.slice(0, 5))}`);
  const cut = outcomes.filter((o) => o.error || o.status >= 500);
  assert.ok(cut.length > 0, 'the kill landed mid-burst: some writes were cut off');
  t.diagnostic(`${succeeded} writes answered 2xx, ${cut.length} cut off by the kill`);

  await w.restart();

  for (const org of ORGS) {
    const token = w.token(org, 'usr_owner');
    const doc = await exportOf(w, org, token);
    const mine = outcomes.filter((o) => o.org === org);
    let present = 0;
    for (let i = 0; i < PER_ORG; i += 1) {
      const user = doc.users.find((u) => u.id === userId(i));
      const outcome = mine.find((o) => o.i === i);
      const ok = outcome && outcome.status >= 200 && outcome.status < 300;
      if (ok) {
        const why = `${org} ${userId(i)}: answered ${outcome.status}, so it must be there`;
        assert.equal(user.name, written(org, i), why);
      } else {
        assert.ok([`Member ${String(i).padStart(3, '0')}`, written(org, i)].includes(user.name),
          `${org} ${userId(i)}: a cut-off write is whole or absent, found ${JSON.stringify(user.name)}`);
      }
      if (user.name === written(org, i)) present += 1;
      // What the single read says agrees with the export.
      const one = assertOk(await w.api('GET', `/v1/orgs/${org}/users/${userId(i)}`, { token }));
      assert.equal(one.name, user.name);
    }

    // Each persisted write is one version and one audit entry, all or nothing.
    const res = await w.api('GET', `/v1/orgs/${org}/seats`, { token });
    assert.equal(res.headers.get('etag'), `"v${1 + present}"`, `${org}: version counts the ${present} writes`);
    const audit = await auditAll(w, org, token);
    assert.equal(audit.length, present, `${org}: one audit entry per persisted write`);
    assert.ok(audit.every((e) => e.command === 'update_user'));

    // And the org takes writes again.
    assertOk(await w.api('PATCH', `/v1/orgs/${org}/users/${userId(0)}`, { token, body: { name: 'After Restart' } }));
  }
});
