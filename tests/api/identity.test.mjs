// Production identity: RS256 and ES256 JWTs checked against a configured JWKS (Web Crypto in
// the worker), beside the local HS256 secret; and the invitation-email webhook, signed and
// retried, received by a real HTTP server on loopback.
import assert from 'node:assert/strict';
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { acmeDocument, assertOk, assertProblem } from './fixtures.mjs';
import { startWorker } from './harness.mjs';

const b64url = (data) => Buffer.from(data).toString('base64url');

/// A JWT signed with a private key: RS256 (PKCS#1 v1.5) or ES256 (raw r||s, as JOSE wants).
function signed(alg, privateKey, kid, claims) {
  const header = b64url(JSON.stringify({ alg, typ: 'JWT', kid }));
  const payload = b64url(JSON.stringify(claims));
  const signer = createSign('SHA256');
  signer.update(`${header}.${payload}`);
  const signature = alg === 'ES256'
    ? signer.sign({ key: privateKey, dsaEncoding: 'ieee-p1363' })
    : signer.sign(privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

function claims(overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { iss: 'roster-local', aud: 'roster-api', sub: 'usr_owner', org: 'acme', iat: now,
    nbf: now - 5, exp: now + 600, ...overrides };
}

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks = {
  keys: [
    { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
  ],
};

// The webhook receiver: records every delivery; fails the first one to exercise retries.
const deliveries = [];
let failNext = 1;
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    if (failNext > 0) {
      failNext -= 1;
      res.writeHead(503).end();
      return;
    }
    deliveries.push({ headers: req.headers, body });
    res.writeHead(204).end();
  });
});
const webhookSecret = 'whsec_local_test_secret';

describe('JWTs from an identity provider (JWKS) and the invitation webhook', () => {
  let w;
  before(async () => {
    await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address();
    w = await startWorker({
      vars: {
        JWT_JWKS: JSON.stringify(jwks),
        WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/roster`,
        WEBHOOK_SECRET: webhookSecret,
      },
    });
    await w.seed(acmeDocument());
  });
  after(async () => {
    await w?.stop();
    receiver.close();
  });

  test('ES256 and RS256 tokens from the JWKS are accepted', async () => {
    for (const [alg, key, kid] of [['ES256', ec.privateKey, 'ec-1'], ['RS256', rsa.privateKey, 'rsa-1']]) {
      const token = signed(alg, key, kid, claims());
      const me = assertOk(await w.api('GET', '/v1/orgs/acme/me', { token }), 200, alg);
      assert.equal(me.user.id, 'usr_owner');
    }
  });

  test('forged, expired, misdirected and algorithm-confused tokens are 401', async () => {
    const cases = [
      ['a key not in the JWKS', signed('ES256', stranger.privateKey, 'ec-1', claims())],
      ['an unknown kid', signed('ES256', ec.privateKey, 'ec-9', claims())],
      ['expired', signed('ES256', ec.privateKey, 'ec-1', claims({ exp: 1_000_000 }))],
      ['wrong audience', signed('RS256', rsa.privateKey, 'rsa-1', claims({ aud: 'someone-else' }))],
      ['wrong issuer', signed('RS256', rsa.privateKey, 'rsa-1', claims({ iss: 'evil' }))],
      ['RS256 claimed with an EC key id', signed('ES256', ec.privateKey, 'rsa-1', claims())],
    ];
    // HS256 signed with the RSA public key, the classic algorithm confusion.
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' }));
    const payload = b64url(JSON.stringify(claims()));
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' });
    const mac = createHmac('sha256', pem).update(`${header}.${payload}`).digest('base64url');
    cases.push(['HS256 keyed with the public key', `${header}.${payload}.${mac}`]);
    for (const [what, token] of cases) {
      assertProblem(await w.api('GET', '/v1/orgs/acme/me', { token }), 401, 'unauthorized', what);
    }
  });

  test('invitation emails reach the webhook, signed; a failed delivery does not block the next', async () => {
    const token = w.token('acme', 'usr_owner');
    const invited = assertOk(await w.api('POST', '/v1/orgs/acme/invitations', {
      token, body: { email: 'webhook@example.com', roles: ['viewer'] },
    }), 201);
    const [invitation] = invited.invitations;
    // The first delivery fails (503) and is rescheduled; a later change triggers the next
    // pass only once the backoff is over, so drive it with requests until it arrives.
    const deadline = Date.now() + 20_000;
    while (!deliveries.length && Date.now() < deadline) {
      await sleep(300);
      await w.api('POST', '/v1/orgs/acme/invitations', {
        token, body: { email: `nudge${Date.now()}@example.com` },
      });
    }
    const delivery = deliveries.find((d) => JSON.parse(d.body).email === 'webhook@example.com')
      ?? deliveries[0];
    assert.ok(delivery, 'a delivery arrived');
    const [, at, signature] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(delivery.headers['roster-signature']);
    const expected = createHmac('sha256', webhookSecret).update(`${at}.${delivery.body}`).digest('hex');
    assert.equal(signature, expected, 'the body is signed with the webhook secret');
    const message = JSON.parse(delivery.body);
    assert.equal(message.type, 'invitation');
    assert.equal(message.org.id, 'acme');
    assert.match(message.accept_url, /#token=[A-Za-z0-9_-]{43}$/);
    if (message.email === 'webhook@example.com') {
      assert.ok(message.accept_url.endsWith(invitation.token), 'the link carries the shown token');
    }
  });
});
