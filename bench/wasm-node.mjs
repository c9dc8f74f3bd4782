// Measures the engine's check in Wasm under Node: loads the benchmark org into the module
// built by scripts/bench.sh (wasm-bindgen --target nodejs) and times 100,000 mixed queries.
//
// Usage: node bench/wasm-node.mjs PKG_DIR ORG_JSON QUERIES_JSON [OUT_JSON]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [pkgDir, orgPath, queriesPath, outPath] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { Engine } = require(path.resolve(pkgDir, 'roster_wasm.js'));

const documentText = readFileSync(orgPath, 'utf8');
const queries = JSON.parse(readFileSync(queriesPath, 'utf8'));
const expected = queries.map((q) => q.allowed);

const t0 = process.hrtime.bigint();
const engine = Engine.load(documentText);
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// Timer overhead: the median of an empty pair of reads.
const empty = [];
for (let i = 0; i < 100000; i++) {
  const a = process.hrtime.bigint();
  empty.push(Number(process.hrtime.bigint() - a));
}
empty.sort((a, b) => a - b);
const overhead = percentile(empty, 50);

function measure(name, check) {
  // Warm up, and verify every answer against the native engine's.
  for (let i = 0; i < queries.length; i++) {
    if (check(i) !== expected[i]) {
      throw new Error(`${name}: query ${i} disagrees with the native engine`);
    }
  }
  const times = new Float64Array(queries.length);
  for (let i = 0; i < queries.length; i++) {
    const a = process.hrtime.bigint();
    check(i);
    times[i] = Math.max(0, Number(process.hrtime.bigint() - a) - overhead);
  }
  const sorted = Array.from(times).sort((a, b) => a - b);
  const start = process.hrtime.bigint();
  for (let i = 0; i < queries.length; i++) check(i);
  const batchNs = Number(process.hrtime.bigint() - start) / queries.length;
  return {
    name,
    p50_ns: percentile(sorted, 50),
    p90_ns: percentile(sorted, 90),
    p99_ns: percentile(sorted, 99),
    mean_batched_ns: Math.round(batchNs),
  };
}

const byString = measure('wasm check(user, permission)', (i) =>
  engine.check(queries[i].user, queries[i].permission));
const userHandles = queries.map((q) => engine.userHandle(q.user));
const permissionHandles = queries.map((q) => engine.permissionHandle(q.permission));
const byHandle = measure('wasm checkHandles(u, p)', (i) =>
  engine.checkHandles(userHandles[i], permissionHandles[i]));

const result = {
  node: process.version,
  queries: queries.length,
  timer_overhead_ns: overhead,
  load_and_index_ms: Math.round(loadMs * 10) / 10,
  results: [byString, byHandle],
};
console.log(JSON.stringify(result, null, 2));
if (outPath) writeFileSync(outPath, JSON.stringify(result, null, 2));
