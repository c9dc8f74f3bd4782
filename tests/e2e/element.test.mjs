// <roster-users> end to end: the page the worker serves at `/`, driven by Playwright in the
// system's headless Chromium, against a real `wrangler dev` (workerd, local D1 and KV).
// An admin invites someone through the element, the invitation is accepted through the API
// with the token from the invitation email (a local webhook receiver), the admin assigns a
// seat and sees the meter move, then suspends the member and sees the seat freed. Along the
// way: axe finds no accessibility violation, and a screenshot is saved as an artifact.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';

import AxeBuilder from '@axe-core/playwright';
import { chromium } from 'playwright-core';

import { acmeDocument, assertOk } from '../api/fixtures.mjs';
import { ROOT, startWorker } from '../api/harness.mjs';

const ARTIFACTS = path.join(ROOT, 'target/e2e');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// Nothing may leave 127.0.0.1: no component updates, no background fetches, no DNS.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

// The invitation emails, as the worker delivers them to its webhook.
const deliveries = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    deliveries.push(JSON.parse(body));
    res.writeHead(204).end();
  });
});

async function deliveredTo(email) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const found = deliveries.find((d) => d.email === email);
    if (found) return found;
    await sleep(100);
  }
  throw new Error(`no invitation email reached ${email}`);
}

/// axe over the element (it reads open shadow roots); every violation, with where it is.
async function violations(page) {
  const results = await new AxeBuilder({ page }).include('roster-users').analyze();
  return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' | ')}`);
}

describe('<roster-users> against the local API', () => {
  let w;
  let browser;
  // Uncaught errors in any page; none may happen.
  const errors = [];
  /// A fresh page (in its own context, as axe asks) showing the org to `user`.
  const open = async (user) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${w.base}/#token=${w.token('acme', user)}`);
    return page;
  };
  before(async () => {
    await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    w = await startWorker({
      vars: {
        WEBHOOK_URL: `http://127.0.0.1:${receiver.address().port}/hooks/roster`,
        WEBHOOK_SECRET: 'whsec_e2e',
      },
    });
    // Accepting must not take a seat by itself here: the admin assigns it.
    const acme = acmeDocument({ id: 'acme' });
    acme.org.settings.seat_on_accept = false;
    await w.seed(acme);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  after(async () => {
    await browser?.close();
    await w?.stop();
    receiver.close();
    assert.deepEqual(errors, [], 'no uncaught error in the page');
  });

  test('invite, accept, assign a seat, suspend: the table and the meter follow', async () => {
    const token = w.token('acme', 'usr_owner');
    const page = await open('usr_owner');
    const element = page.locator('roster-users');
    const seats = element.locator('.seat-label');
    await seats.getByText('3 of 4 seats used').waitFor();
    assert.equal(await element.locator('tbody tr').count(), 10);
    assert.ok(!(await page.content()).includes(token), 'the token is not in the page');
    assert.equal(new URL(page.url()).hash, '', 'nor in the address');
    await page.evaluate(() => {
      window.changes = [];
      document.querySelector('roster-users')
        .addEventListener('roster-change', (e) => window.changes.push(e.detail));
    });
    assert.deepEqual(await violations(page), [], 'the table');

    // Invite through the dialog.
    await element.getByRole('button', { name: 'Invite User', exact: true }).click();
    const dialog = element.locator('dialog[open]');
    await dialog.getByLabel('Email addresses').fill('newcomer@example.com');
    assert.deepEqual(await violations(page), [], 'the invite dialog');
    await dialog.getByRole('button', { name: 'Send invitations' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = element.locator('tr', { hasText: 'newcomer@example.com' });
    await row.locator('.badge', { hasText: 'Invited' }).waitFor();

    // Accept with the token from the email, through the API, then reload the element.
    const email = await deliveredTo('newcomer@example.com');
    const inviteToken = new URL(email.accept_url).hash.replace('#token=', '');
    assertOk(await w.api('POST', '/v1/invitations/accept', {
      body: { token: inviteToken, name: 'New Comer' },
    }));
    await page.evaluate(() => document.querySelector('roster-users').refresh());
    const member = element.locator('tr', { hasText: 'New Comer' });
    await member.locator('.badge', { hasText: 'Active' }).waitFor();

    // Assign a seat: the meter moves.
    await member.getByRole('button', { name: 'Assign seat: New Comer', exact: true }).click();
    await seats.getByText('4 of 4 seats used').waitFor();
    assert.equal(await element.locator('meter').getAttribute('value'), '4');
    // The element reads the org again after each change; the toast comes once it has.
    await element.locator('.toast', { hasText: 'New Comer now holds a seat.' }).waitFor();

    // Suspend, after confirming: the seat is freed.
    await member.getByRole('button', { name: 'Suspend: New Comer', exact: true }).click();
    const confirm = element.locator('dialog[open]');
    await confirm.getByText('Suspend New Comer?').waitFor();
    await confirm.getByRole('button', { name: 'Suspend', exact: true }).click();
    await member.locator('.badge', { hasText: 'Suspended' }).waitFor();
    await seats.getByText('3 of 4 seats used').waitFor();
    await element.locator('.toast', { hasText: 'New Comer is suspended.' }).waitFor();

    // The server agrees with what the table shows.
    const usage = assertOk(await w.api('GET', '/v1/orgs/acme/seats', { token }));
    assert.equal(usage.held, 3);
    const users = assertOk(await w.api('GET', '/v1/orgs/acme/users?search=newcomer', { token }));
    assert.equal(users.users[0].status, 'suspended');
    const changes = await page.evaluate(() => window.changes.map((c) => c.action));
    assert.deepEqual(changes, ['invite', 'assign_seat', 'suspend']);

    assert.deepEqual(await violations(page), [], 'after the changes');
    await mkdir(ARTIFACTS, { recursive: true });
    // The table itself, without the toasts floating over it.
    await element.locator('.toast').evaluateAll((toasts) => toasts.forEach((t) => t.remove()));
    await element.screenshot({ path: path.join(ARTIFACTS, 'roster-users.png') });
  });

  test('by keyboard: sort a column, open a dialog, stay in it, leave it with Escape', async () => {
    const page = await open('usr_owner');
    const element = page.locator('roster-users');
    await element.locator('tbody tr').first().waitFor();
    const focused = () => page.evaluate(() => {
      const active = document.querySelector('roster-users').shadowRoot.activeElement;
      return active && (active.dataset.action ?? active.dataset.filter ?? active.tagName);
    });
    // Enter on a sort button sorts and announces it; the focus stays on the button.
    await element.getByRole('button', { name: 'Status', exact: true }).focus();
    await page.keyboard.press('Enter');
    await element.locator('th[aria-sort=ascending]', { hasText: 'Status' }).waitFor();
    assert.equal(await focused(), 'sort');
    // The invite dialog keeps the focus inside while open, and gives it back on Escape.
    await element.getByRole('button', { name: 'Invite User', exact: true }).focus();
    await page.keyboard.press('Enter');
    await element.locator('dialog[open]').waitFor();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      const inside = await page.evaluate(() => {
        const root = document.querySelector('roster-users').shadowRoot;
        return Boolean(root.activeElement?.closest('dialog')) || root.activeElement === null;
      });
      assert.ok(inside, `tab ${i + 1} left the dialog`);
    }
    await page.keyboard.press('Escape');
    await element.locator('dialog').waitFor({ state: 'detached' });
    assert.equal(await focused(), 'invite');
  });

  test('a viewer without invitations:create sees no Invite User and no row actions', async () => {
    const page = await open('usr_viewer');
    const element = page.locator('roster-users');
    await element.locator('tbody tr').first().waitFor();
    assert.equal(await element.getByRole('button', { name: 'Invite User' }).count(), 0);
    const actions = await element.locator('.actions button').evaluateAll(
      (buttons) => buttons.map((b) => b.dataset.action),
    );
    assert.ok(actions.every((a) => a === 'devices'), actions.join(','));
  });

  test('demo mode: the built demo org, changed in the page, with no API call', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(String(error)));
    const calls = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname.startsWith('/v1/')) calls.push(req.url());
    });
    await page.goto(`${w.base}/`);
    const element = page.locator('roster-users');
    await element.locator('tbody tr').first().waitFor();
    assert.equal(await element.locator('tbody tr').count(), 50);
    assert.match(await element.locator('.pager span').textContent(), /of 120$/);
    // The demo viewer owns the org: a change is made in the page alone.
    const before = await element.locator('.seat-label').textContent();
    await element.locator('[data-action=unassign_seat]').first().click();
    await element.locator('dialog [data-action=dialog-confirm]').click();
    await element.locator('.toast').first().waitFor();
    assert.notEqual(await element.locator('.seat-label').textContent(), before);
    assert.deepEqual(calls, []);
  });

  test('French, chosen by the locale attribute', async () => {
    const page = await open('usr_owner');
    const element = page.locator('roster-users');
    await element.locator('tbody tr').first().waitFor();
    await page.evaluate(() => document.querySelector('roster-users').setAttribute('locale', 'fr'));
    await element.getByRole('heading', { name: 'Utilisateurs' }).waitFor();
    await element.getByText('3 sièges utilisés sur 4').waitFor();
    assert.deepEqual(await violations(page), [], 'in French');
  });
});

describe('the npm package in web-component/dist/roster', () => {
  test('every file it lists was built; its types declare the element and its events', async () => {
    const { readFile, access } = await import('node:fs/promises');
    const dir = path.join(ROOT, 'web-component/dist/roster');
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    for (const file of manifest.files) await access(path.join(dir, file));
    assert.equal(manifest.types, './roster-users.d.ts');
    const types = await readFile(path.join(dir, manifest.types), 'utf8');
    const declared = ["'roster-users': RosterUsersElement", "'roster-change'", "'roster-error'"];
    for (const name of declared) {
      assert.ok(types.includes(name), name);
    }
  });
});
