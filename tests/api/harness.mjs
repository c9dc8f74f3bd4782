// Starts a real `wrangler dev` (workerd with local D1 and KV) on a fresh state directory and a
// free loopback port, and gives tests a small client for it. No mocks: every request goes
// through the built worker (worker/build), the real D1 schema and the real engine.
//
//   const w = await startWorker();
//   await w.seed(document);                    // POST /v1/orgs with the provisioning secret
//   const res = await w.api('GET', '/v1/orgs/acme/me', { token: w.token('acme', 'usr_owner') });
//   await w.stop();
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { mintToken } from './token.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WRANGLER = path.join(ROOT, 'node_modules/.bin/wrangler');
const READY_TIMEOUT_MS = 60_000;

const ENV = {
  ...process.env,
  PATH: `${path.join(ROOT, 'node_modules/.bin')}:${process.env.PATH}`,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  NO_UPDATE_NOTIFIER: '1',
  // No colours or spinners in the captured log.
  FORCE_COLOR: '0',
  CI: '1',
};

// Every wrangler process group still running, so that a crashing test run leaves none behind.
const live = new Set();
process.on('exit', () => {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function migrate(stateDir) {
  const result = spawnSync(
    WRANGLER,
    ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', stateDir],
    { cwd: ROOT, env: ENV, encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0) {
    throw new Error(
      `wrangler d1 migrations apply failed (status ${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

/// A running `wrangler dev`: its process group and the tail of its output.
class DevServer {
  constructor({ stateDir, port, secret, provisioningSecret, vars }) {
    Object.assign(this, { stateDir, port, secret, provisioningSecret, vars });
    this.child = null;
    this.log = '';
  }

  async start() {
    const args = [
      'dev', '--local', '--ip', '127.0.0.1', '--port', String(this.port),
      '--persist-to', this.stateDir, '--show-interactive-dev-session=false',
      '--var', `JWT_SECRET:${this.secret}`,
      '--var', `ROSTER_PROVISIONING_SECRET:${this.provisioningSecret}`,
      ...Object.entries(this.vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ];
    // Detached: the child leads its own process group, so stopping kills workerd with it.
    const child = spawn(WRANGLER, args, { cwd: ROOT, env: ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    live.add(child.pid);
    const keep = (chunk) => {
      this.log = (this.log + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);

    const deadline = Date.now() + READY_TIMEOUT_MS;
    let exit = null;
    this.exited.then((e) => { exit = e; });
    while (Date.now() < deadline) {
      if (exit) {
        throw new Error(`wrangler dev exited early (${JSON.stringify(exit)}):\n${this.log}`);
      }
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/healthz`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      await sleep(250);
    }
    await this.kill();
    throw new Error(`wrangler dev did not answer GET /healthz within ${READY_TIMEOUT_MS / 1000} s:\n${this.log}`);
  }

  /// Kills the whole process group with `signal` and waits for wrangler to exit.
  async kill(signal = 'SIGKILL') {
    const child = this.child;
    if (!child) return;
    this.child = null;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
    const timeout = sleep(10_000, 'timeout', { ref: false });
    if ((await Promise.race([this.exited, timeout])) === 'timeout') {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await this.exited;
    }
    live.delete(child.pid);
    // workerd may outlive wrangler for a moment; wait until the port is free again.
    for (let i = 0; i < 100; i += 1) {
      if (await portFree(this.port)) break;
      await sleep(100);
    }
  }
}

async function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/// The response of one request: status, headers, the body as text and, when it parses, JSON
/// (or, with `raw`, the body as bytes). A `body` that is a string or bytes is sent as is,
/// anything else as JSON; `contentType` is sent with a body unless `headers` name one (null
/// sends none with a byte body).
async function request(base, method, urlPath, options = {}) {
  const { token, body, headers = {}, contentType = 'application/json', signal, raw } = options;
  const h = { ...headers };
  if (token !== undefined && token !== null) h.authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    if (typeof body === 'string' || body instanceof Uint8Array) {
      payload = body;
    } else {
      payload = JSON.stringify(body);
    }
    if (contentType && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
      h['content-type'] = contentType;
    }
  }
  const res = await fetch(base + urlPath, { method, headers: h, body: payload, signal });
  if (raw) return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/// Starts `wrangler dev` on a fresh state directory with the schema applied. `vars` adds
/// environment variables (e.g. `JWT_JWKS`, `WEBHOOK_URL`).
export async function startWorker({ vars = {} } = {}) {
  if (!existsSync(path.join(ROOT, 'worker/build/index.js'))) {
    throw new Error(
      'worker/build/index.js is missing: build the worker first with `bash scripts/build-worker.sh` '
        + '(tests/api/run.sh does it for you)',
    );
  }
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'roster-api-'));
  migrate(stateDir);
  const port = await freePort();
  const secret = randomBytes(32).toString('hex');
  const provisioningSecret = `prov_${randomBytes(24).toString('hex')}`;
  const server = new DevServer({ stateDir, port, secret, provisioningSecret, vars });
  await server.start();
  const base = `http://127.0.0.1:${port}`;

  const api = (method, urlPath, options) => request(base, method, urlPath, options);
  return {
    base,
    port,
    stateDir,
    secret,
    provisioningSecret,
    api,
    /// An HS256 JWT for `sub` in `org`; `opts` as for mintToken (issuer, audience, seconds, …).
    token: (org, sub, opts = {}) => mintToken({ secret, org, sub, ...opts }),
    /// Creates an org from a document; throws unless it answers 201.
    async seed(document) {
      const res = await api('POST', '/v1/orgs', { token: provisioningSecret, body: document });
      if (res.status !== 201) {
        throw new Error(`seeding org \`${document?.org?.id}\` answered ${res.status}: ${res.text}`);
      }
      return res.json;
    },
    /// Kills wrangler (SIGKILL to its process group) without starting it again.
    kill: () => server.kill('SIGKILL'),
    /// Kills wrangler if it runs and starts it again on the same state directory and port.
    async restart() {
      await server.kill('SIGKILL');
      await server.start();
    },
    /// Stops wrangler and removes the state directory.
    async stop() {
      await server.kill('SIGTERM');
      await rm(stateDir, { recursive: true, force: true });
    },
    /// The tail of wrangler's output, for failure messages.
    log: () => server.log,
  };
}
