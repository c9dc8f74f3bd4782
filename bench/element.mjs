// The <roster-users> benchmark: its size, and its speed in headless Chromium on a 10,000-user
// org. Run by scripts/bench-element.sh, which builds the element and the demo document first.
//
//   node bench/element.mjs <dist dir> <org document> <the same, compact> <results.json>
//
// Timed in the page with performance.now(), each figure the fastest, the median and the 95th
// percentile of 50 runs after 3 warm-ups, each run a task after the last: "draw" is from the
// compact document's bytes in memory (the data received: what GET /directory sends the
// element) to the first page of the table in the DOM, which includes the engine reading and
// checking the whole org; "sort" and "filter" are one header click's and one filter's redraw.
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { chromium } from 'playwright-core';

const [dist, documentPath, compactPath, resultsPath] = process.argv.slice(2);
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

const files = [
  'roster/roster-users.js', 'roster/roster_element.js', 'roster/roster_element_bg.wasm',
];
const size = {};
for (const file of files) {
  const bytes = await readFile(path.join(dist, file));
  size[file] = { bytes: bytes.length, gzip_bytes: gzipSync(bytes, { level: 9 }).length };
}
const total = Object.values(size).reduce((s, f) => s + f.gzip_bytes, 0);

const org = JSON.parse(await readFile(documentPath, 'utf8'));
const orgBytes = await readFile(compactPath);
const owner = org.users.find((u) => (u.roles ?? []).includes('owner')).id;
const page = `<!doctype html><html lang="en"><body><div id="host"></div><script type="module">
  import init, { RosterUsers } from '/roster/roster_element.js';
  await init({ module_or_path: '/roster/roster_element_bg.wasm' });
  const bytes = new Uint8Array(await (await fetch('/org.bin')).arrayBuffer());
  const host = document.getElementById('host');
  const element = new RosterUsers(host);
  const owner = ${JSON.stringify(owner)};
  const stats = (xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    const ms = (x) => +x.toFixed(2);
    return { min_ms: ms(sorted[0]), p50_ms: ms(at(0.5)), p95_ms: ms(at(0.95)), runs: xs.length };
  };
  const time = (f) => { const t = performance.now(); f(); return performance.now() - t; };
  // A task apart, as a viewer's clicks and the network's answers are: what the element leaves
  // to a timer (freeing an org it replaced) runs between them, not inside the next one.
  const pause = () => new Promise((resolve) => setTimeout(resolve, 0));
  const runs = async (n, f) => {
    const times = [];
    for (let i = 0; i < n + 3; i++) {
      const t = time(() => f(i));
      if (i >= 3) times.push(t);
      await pause();
    }
    return times;
  };
  const draw = await runs(50, () => element.loadOrg(bytes, null, owner));
  const rows = host.shadowRoot.querySelectorAll('tbody tr').length;
  const sort = await runs(50, (i) => element.sortBy(i % 2 ? 'name' : 'email'));
  const filter = await runs(50, (i) => element.setFilter('status', i % 2 ? '' : 'active'));
  const search = await runs(50, (i) => element.setSearch(i % 2 ? '' : 'member 12'));
  window.results = {
    rows, draw: stats(draw), sort: stats(sort), filter: stats(filter), search: stats(search),
  };
</script></body></html>`;

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  if (url.pathname === '/org.bin') return res.writeHead(200).end(orgBytes);
  try {
    const body = await readFile(path.join(dist, path.normalize(url.pathname)));
    const type = TYPES[path.extname(url.pathname)] ?? 'text/plain';
    res.writeHead(200, { 'content-type': type }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const tab = await browser.newPage();
  // ROSTER_PROFILE=1: Chromium's sampling profiler over the whole page, and the functions
  // that took the most time themselves printed to stderr (their names need a `.wasm` that
  // kept them: ROSTER_KEEP_NAMES=1 for scripts/build-element.sh). The timings are then slower.
  const cdp = process.env.ROSTER_PROFILE ? await tab.context().newCDPSession(tab) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
  }
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForFunction(() => window.results, null, { timeout: 120_000 });
  const speed = await tab.evaluate(() => window.results);
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    const own = new Map();
    profile.samples.forEach((id, i) => {
      const frame = nodes.get(id);
      const name = frame.functionName || frame.url;
      own.set(name, (own.get(name) ?? 0) + profile.timeDeltas[i] / 1000);
    });
    const top = [...own].sort((a, b) => b[1] - a[1]).slice(0, 30);
    for (const [name, ms] of top) console.error(`${ms.toFixed(1).padStart(9)} ms  ${name}`);
  }
  const users = org.users.length;
  const chromium = browser.version();
  const document_bytes = { json: Buffer.byteLength(JSON.stringify(org)), compact: orgBytes.length };
  const results = { users, chromium, size, total_gzip_bytes: total, document_bytes, ...speed };
  await writeFile(resultsPath, JSON.stringify(results, null, 2));
  console.log(JSON.stringify(results, null, 2));
} finally {
  await browser.close();
  server.close();
}
