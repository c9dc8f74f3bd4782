"""Writes BENCHMARKS.md from the JSON results of scripts/bench.sh (given their directory)."""

import json
import sys
from pathlib import Path

out = Path(sys.argv[1])
native = json.loads((out / "native.json").read_text())
wasm = json.loads((out / "wasm.json").read_text())
size = json.loads((out / "size.json").read_text())
api_path = out / "api.json"
api = json.loads(api_path.read_text()) if api_path.exists() else None
element_path = out / "element.json"
element = json.loads(element_path.read_text()) if element_path.exists() else None


def ns(v):
    return f"{v / 1000:.1f} µs" if v >= 1_000 else f"{v:.0f} ns"


def mib(b):
    return f"{b / 1048576:.1f} MiB"


def kb(b):
    return f"{b / 1000:.0f} KB"


def element_section(e, w):
    """The <roster-users> section, from scripts/bench-element.sh's element.json."""
    w("## The element in headless Chromium")
    w("")
    w("`./scripts/bench-element.sh` (also run by `./scripts/bench.sh`): `<roster-users>` as "
      "`scripts/build-element.sh` builds it: the `wasm` profile (`opt-level = \"z\"`, fat LTO) "
      "on the pinned nightly in `scripts/env.sh`, with the standard library rebuilt for size "
      "(`-Z build-std`, `optimize_for_size`) and panics that trap at once; plain Wasm plus bulk "
      "memory; `wasm-bindgen --target web`, `wasm-opt -Oz --converge`, the scripts minified by "
      "esbuild. The engine is inside, without field paths in JSON document errors (the "
      "`field-paths` feature, off for the element).")
    w("")
    w("| file | raw | gzip -9 |")
    w("|---|---|---|")
    for name, f in e["size"].items():
        w(f"| `{name}` | {kb(f['bytes'])} | {kb(f['gzip_bytes'])} |")
    total = e["total_gzip_bytes"]
    w(f"| all three | | {kb(total)} |")
    w("")
    docs = e.get("document_bytes", {})
    w(f"On a {e['users']:,}-user org (`roster demo --users {e['users']} --seed 7`), in "
      f"Chromium {e.get('chromium', '')} driven by playwright-core, timed in the page with "
      f"`performance.now()`: the fastest, median and 95th percentile of {e['draw']['runs']} "
      "runs after 3 warm-ups, each run a task after the one before (as clicks and network "
      "answers come), so what the element leaves to a timer, such as freeing the org a new one "
      "replaced, is not inside the next run. \"Draw\" starts from the org's compact document "
      "in memory (the "
      "data received: what `GET /directory` sends with `Accept: application/vnd.roster.org`, "
      f"{mib(docs.get('compact', 0))} here against {mib(docs.get('json', 0))} of JSON) and ends "
      "with the first page of 50 rows in the DOM: the engine reads and checks the whole org, "
      "then the page is drawn. The others redraw the table.")
    w("")
    w("| step | fastest | p50 | p95 | target (p50) |")
    w("|---|---|---|---|---|")
    rows = [
        ("draw (bytes to table)", e["draw"], 50),
        ("sort (one header click)", e["sort"], 16),
        ("filter by status", e["filter"], 16),
        ("search by text", e["search"], 16),
    ]
    for name, r, target in rows:
        verdict = "pass" if r["p50_ms"] <= target else "MISS"
        fastest = f"{r['min_ms']:.1f} ms" if "min_ms" in r else ""
        w(f"| {name} | {fastest} | {r['p50_ms']:.1f} ms | {r['p95_ms']:.1f} ms "
          f"| ≤ {target} ms: {verdict} |")
    w("")
    verdict = "pass" if total <= 100_000 else "MISS"
    w(f"Target: at most 100 KB gzipped for the `.wasm` and its JS: {kb(total)}, {total:,} bytes "
      f"({verdict}).")
    w("")
    w("The machine is shared: for one build, every median here moved by up to a third across "
      "reruns within an hour, so compare builds side by side, in one sitting. Where the bytes "
      "go: `twiggy top` on the `.wasm` before `wasm-opt` (it keeps the names); where the time "
      "goes: `ROSTER_KEEP_NAMES=1 ROSTER_PROFILE=1 ./scripts/bench-element.sh`, which prints "
      "the functions Chromium's sampling profiler found the most time in.")


m, s, load, mem = native["machine"], native["scenario"], native["load"], native["memory"]
v = native["versions"]
lines = []
w = lines.append
w("# Benchmarks")
w("")
w("Measured by `./scripts/bench.sh`, which reruns everything below and rewrites this file.")
w("Timings are of one run on the machine named here; rerun to compare, never assert.")
w("")
w("## How")
w("")
w(f"- Machine: {m['cpu']}, {m['cores']} cores, {m['target']}; {m['rustc']}.")
w(f"- Versions: roster-engine {v['roster_engine']}, cedar-policy {v['cedar_policy']}, "
  f"casbin {v['casbin']}; Node {wasm['node']}; {size['wasm_bindgen']}; {size['wasm_opt']}.")
w(f"- The org: `DemoSpec::benchmark({s['seed']})`: {s['users']:,} users ({s['active_users']:,} "
  f"active, {s['seat_holders']:,} with a seat), {s['groups']} groups ({s['nested_groups']} "
  f"nested), {s['builtin_roles']} built-in and {s['custom_roles']} custom roles of 10 to 30 "
  f"permissions, {s['permissions']} permissions ({s['seat_permissions']} need a seat); "
  f"users hold 0 to 2 direct roles and 0 to 3 groups; groups grant 1 or 2 roles. "
  f"The document is {mib(s['document_bytes'])} of JSON.")
w(f"- Queries: {s['queries']:,} (user, permission) pairs drawn from every user and permission "
  f"(and a few unknown ones), {s['allow_fraction'] * 100:.1f}% allowed. Each check is timed "
  f"alone with `Instant` less the clock's own {s['timer_overhead_ns']} ns; \"batch\" is a "
  f"whole pass divided by the count. Every engine's answers are compared with Roster's index "
  f"on every query; the run fails on any difference.")
w("- Cedar models users as children of their roles and groups, groups of their roles and "
  "parent groups, with `forbid` policies for inactive users and seat-needing actions; "
  "\"lists\" writes each role's actions as a list, \"groups\" as action groups. casbin "
  "models the same with an RBAC role hierarchy and marker roles for active and seated users.")
w("")
w("## Native checks")
w("")
w("| engine | p50 | p90 | p99 | batch | load | memory | agrees |")
w("|---|---|---|---|---|---|---|---|")
for e in native["engines"]:
    agrees = "yes" if e["disagreements"] == 0 else f"no ({e['disagreements']})"
    w(f"| {e['name']} | {ns(e['p50_ns'])} | {ns(e['p90_ns'])} | {ns(e['p99_ns'])} | "
      f"{ns(e['batch_ns_per_query'])} | {e['load_ms']:.1f} ms | {mib(e['memory_bytes'])} | "
      f"{agrees} |")
w("")
w(f"Load is `Org::from_json` ({load['parse_ms']:.1f} ms) plus `AccessIndex::build` "
  f"({load['index_build_ms']:.1f} ms), medians of {load['runs']} runs. Memory is live heap "
  f"counted by the allocator: the org {mib(mem['org_bytes'])} and the index "
  f"{mib(mem['index_bytes'])}; the process's resident size was {mib(mem['rss_bytes'] or 0)}. "
  f"Cedar's and casbin's load is of their own inputs, converted from the org untimed.")
w("")
w("## Targets")
w("")
w("| target | limit | measured | |")
w("|---|---|---|---|")
for t in native["targets"]:
    unit = t["unit"]
    limit, measured = t["limit"], t["measured"]
    if unit == "bytes":
        limit, measured = mib(limit), mib(measured)
    elif unit == "ns":
        limit, measured = f"{limit:.0f} ns", f"{measured:.0f} ns"
    else:
        limit, measured = f"{limit:.1f} {unit}", f"{measured:.1f} {unit}"
    w(f"| {t['name']} | {limit} | {measured} | {'pass' if t['pass'] else 'MISS'} |")
wasm_check = wasm["results"][0]
w(f"| Wasm check p50 under Node | 500 ns | {wasm_check['p50_ns']:.0f} ns | "
  f"{'pass' if wasm_check['p50_ns'] <= 500 else 'MISS'} |")
w("")
w("## Listing and commands on the same org")
w("")
w("| operation | median |")
w("|---|---|")
for row in native.get("listing", []):
    w(f"| list users: {row['name']} | {row['median_us']:.0f} µs |")
for row in native.get("commands", []):
    w(f"| command: {row['name']} | {row['median_us']:.0f} µs |")
w("")
w("Commands include the actor's permission check, the rule checks, the org-wide invariant "
  "re-checks and building the events; the copy of the org each runs on is not timed.")
w("")
w("## WebAssembly")
w("")
w("`crates/wasm`, the smallest module exposing the engine's check to JavaScript (load a "
  "document, `check`, `explain`), built with the `wasm` profile (`opt-level = \"z\"`, LTO), "
  "`wasm-bindgen --target web`, then `wasm-opt -Oz`:")
w("")
w("| file | raw | gzip -9 |")
w("|---|---|---|")
w(f"| `roster_wasm_bg.wasm` | {kb(size['wasm_bytes'])} | {kb(size['wasm_gzip_bytes'])} |")
w(f"| `roster_wasm.js` | {kb(size['js_bytes'])} | {kb(size['js_gzip_bytes'])} |")
w("")
w(f"Under Node {wasm['node']}, the same {wasm['queries']:,} queries against the same document "
  f"(loaded and indexed in {wasm['load_and_index_ms']} ms), each answer checked against the "
  f"native one; timed alone with `process.hrtime.bigint()` less its "
  f"{wasm['timer_overhead_ns']} ns overhead:")
w("")
w("| call | p50 | p90 | p99 | batch |")
w("|---|---|---|---|---|")
for r in wasm["results"]:
    w(f"| `{r['name']}` | {ns(r['p50_ns'])} | {ns(r['p90_ns'])} | {ns(r['p99_ns'])} | "
      f"{ns(r['mean_batched_ns'])} |")
w("")
w("`check` passes two strings into Wasm memory per call; `checkHandles` passes two numbers "
  "for ids interned once, which is how a hot loop in the browser element calls it.")
if api:
    runs = {r["kind"]: r for r in api["runs"]}
    health = runs["healthz"]["p50_us"]
    w("")
    w("## The API on local `wrangler dev`")
    w("")
    w(f"`./scripts/bench-api.sh` (also run by `./scripts/bench.sh`): a 10,000-user org (the "
      f"benchmark's shape, 10,000 purchased seats) seeded through `POST /v1/orgs` in "
      f"{api['seed_seconds']:.1f} s, then wrk {api['wrk']} with one thread and one connection "
      f"on loopback, {api['seconds_per_run']} s per run after a 2 s warm-up. CPU is workerd's "
      f"user and system time over the run divided by the requests (so it includes the "
      f"runtime's own work, not just the worker's).")
    w("")
    w("| request | requests | p50 | p90 | p99 | × healthz p50 | CPU per request | not 2xx |")
    w("|---|---|---|---|---|---|---|---|")
    names = {
        "healthz": "`GET /healthz`",
        "check": "`POST /checks` (no reasons: the KV index, cached in the isolate)",
        "check_reasons": "`POST /checks` with reasons (reads the version from D1)",
        "seat": "`PUT`/`DELETE /users/{id}/seat` (a D1 batch per request)",
    }
    for kind in ["healthz", "check", "check_reasons", "seat"]:
        r = runs[kind]
        w(f"| {names[kind]} | {r['requests']:,} | {r['p50_us'] / 1000:.2f} ms | "
          f"{r['p90_us'] / 1000:.2f} ms | {r['p99_us'] / 1000:.2f} ms | "
          f"{r['p50_us'] / health:.2f} | {r['cpu_ms_per_request']:.2f} ms | {r['non_2xx']} |")
    w("")
    check_ratio = runs["check"]["p50_us"] / health
    seat_ratio = runs["seat"]["p50_us"] / health
    w(f"Targets: a check at most 1.3× the healthz p50: {check_ratio:.2f}× "
      f"({'pass' if check_ratio <= 1.3 else 'MISS'}); a seat assignment at most 3×: "
      f"{seat_ratio:.2f}× ({'pass' if seat_ratio <= 3 else 'MISS'}).")
    w("")
    w(f"The worker's Wasm (`worker/build/index_bg.wasm`, release, `wasm-opt`): "
      f"{kb(api['wasm_bytes'])} raw, {kb(api['wasm_gzip_bytes'])} gzipped.")
if element:
    w("")
    element_section(element, w)
print("\n".join(lines))
