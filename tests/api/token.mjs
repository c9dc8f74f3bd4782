// Mints HS256 JWTs like a host portal's identity provider would, for local use and tests.
//
// As a command: node tests/api/token.mjs SECRET ORG USER [SECONDS]
import { createHmac } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const b64url = (data) => Buffer.from(data).toString('base64url');

export function mintToken({ secret, org, sub, issuer = 'roster-local', audience = 'roster-api',
  seconds = 3600, now = Math.floor(Date.now() / 1000), alg = 'HS256', extra = {} }) {
  const header = b64url(JSON.stringify({ alg, typ: 'JWT' }));
  const payload = b64url(JSON.stringify({
    iss: issuer, aud: audience, sub, org, iat: now, nbf: now - 5, exp: now + seconds, ...extra,
  }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [secret, org, sub, seconds] = process.argv.slice(2);
  if (!secret || !org || !sub) {
    console.error('usage: node tests/api/token.mjs SECRET ORG USER [SECONDS]');
    process.exit(1);
  }
  console.log(mintToken({ secret, org, sub, seconds: Number(seconds || 86400) }));
}
