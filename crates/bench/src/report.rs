//! The results: a table for people on stdout, and the same data as JSON for scripts.

use serde_json::{json, Value};

use crate::machine::{self, Machine};
use crate::stats::Summary;

/// The targets of the issue, for the yes/no check.
pub const TARGET_P50_NS: f64 = 100.0;
/// See [`TARGET_P50_NS`].
pub const TARGET_P99_NS: f64 = 500.0;
/// See [`TARGET_P50_NS`].
pub const TARGET_LOAD_MS: f64 = 30.0;
/// See [`TARGET_P50_NS`].
pub const TARGET_MEMORY_BYTES: f64 = 16.0 * MIB;

const MIB: f64 = 1024.0 * 1024.0;

/// The org and the workload that were measured.
pub struct Scenario {
    /// The seed of the org and the queries.
    pub seed: u64,
    /// Users in every status.
    pub users: usize,
    /// Users whose status is active.
    pub active_users: usize,
    /// Users holding a seat.
    pub seat_holders: usize,
    /// Groups.
    pub groups: usize,
    /// Groups with at least one parent.
    pub nested_groups: usize,
    /// Custom roles (the five built-in roles come on top).
    pub custom_roles: usize,
    /// Permissions in the catalog.
    pub permissions: usize,
    /// Permissions that need a seat.
    pub seat_permissions: usize,
    /// The size of the org document.
    pub document_bytes: usize,
    /// Queries run against every engine.
    pub queries: usize,
    /// The share of queries allowed.
    pub allow_fraction: f64,
    /// The median cost of an empty pair of clock reads, subtracted from each sample.
    pub timer_overhead_ns: u64,
}

/// Loading the org document into Roster.
pub struct RosterLoad {
    /// Runs the medians are taken over.
    pub runs: usize,
    /// Median `Org::from_json`.
    pub parse_ms: f64,
    /// Median `AccessIndex::build`.
    pub index_ms: f64,
    /// Median of the two together.
    pub total_ms: f64,
    /// Live heap bytes the loaded `Org` holds.
    pub org_bytes: usize,
    /// Live heap bytes the `AccessIndex` holds.
    pub index_bytes: usize,
    /// The process's resident set size with the org and index loaded and the document dropped.
    pub rss_bytes: Option<u64>,
}

/// One engine's measurements.
pub struct EngineResult {
    /// A short name for the table.
    pub name: &'static str,
    /// What is measured, for the JSON.
    pub detail: &'static str,
    /// Per-query latency.
    pub latency: Summary,
    /// Total time of a batch run divided by the number of queries.
    pub batch_ns: f64,
    /// Median time to load what the engine needs from its source text.
    pub load_ms: f64,
    /// Runs the load median is taken over.
    pub load_runs: usize,
    /// Live heap bytes of what the engine loaded.
    pub memory_bytes: usize,
    /// Queries whose answer differs from `AccessIndex::check`.
    pub disagreements: usize,
    /// Whether the timed run and the batch run allowed as many queries.
    pub consistent: bool,
}

/// Everything measured in one run.
pub struct Report {
    /// The machine.
    pub machine: Machine,
    /// The org and workload.
    pub scenario: Scenario,
    /// Roster's load and memory.
    pub load: RosterLoad,
    /// Every engine, Roster's yes/no check first.
    pub engines: Vec<EngineResult>,
}

struct Target {
    name: &'static str,
    limit: String,
    measured: String,
    limit_value: f64,
    measured_value: f64,
    unit: &'static str,
}

impl Target {
    fn pass(&self) -> bool {
        self.measured_value <= self.limit_value
    }
}

impl Report {
    fn targets(&self) -> Vec<Target> {
        let Some(check) = self.engines.first() else {
            return Vec::new();
        };
        let memory = (self.load.org_bytes + self.load.index_bytes) as f64;
        vec![
            Target {
                name: "check p50",
                limit: ns(TARGET_P50_NS),
                measured: ns(check.latency.p50),
                limit_value: TARGET_P50_NS,
                measured_value: check.latency.p50,
                unit: "ns",
            },
            Target {
                name: "check p99",
                limit: ns(TARGET_P99_NS),
                measured: ns(check.latency.p99),
                limit_value: TARGET_P99_NS,
                measured_value: check.latency.p99,
                unit: "ns",
            },
            Target {
                name: "load (parse + index)",
                limit: ms(TARGET_LOAD_MS),
                measured: ms(self.load.total_ms),
                limit_value: TARGET_LOAD_MS,
                measured_value: self.load.total_ms,
                unit: "ms",
            },
            Target {
                name: "memory (org + index)",
                limit: bytes(TARGET_MEMORY_BYTES),
                measured: bytes(memory),
                limit_value: TARGET_MEMORY_BYTES / MIB,
                measured_value: memory / MIB,
                unit: "MiB",
            },
        ]
    }

    /// Whether every engine agreed with the index on every query.
    pub fn all_agree(&self) -> bool {
        self.engines
            .iter()
            .all(|e| e.disagreements == 0 && e.consistent)
    }

    /// The human-readable report.
    pub fn print(&self) {
        let (m, s, l) = (&self.machine, &self.scenario, &self.load);
        println!("Roster benchmark: seed {}, {} queries", s.seed, s.queries);
        println!(
            "machine   {} ({} cores, {}); {}",
            m.cpu, m.cores, m.target, m.rustc
        );
        println!(
            "engines   roster-engine {}, cedar-policy {}, casbin {}",
            machine::ROSTER_VERSION,
            machine::CEDAR_VERSION,
            machine::CASBIN_VERSION
        );
        println!(
            "org       {} users ({} active, {} with a seat), {} groups ({} nested), \
             {} roles (5 built-in, {} custom), {} permissions ({} need a seat); \
             document {}",
            s.users,
            s.active_users,
            s.seat_holders,
            s.groups,
            s.nested_groups,
            5 + s.custom_roles,
            s.custom_roles,
            s.permissions,
            s.seat_permissions,
            bytes(s.document_bytes as f64)
        );
        println!(
            "queries   {} allowed ({:.1} %); each timed alone, less {} of clock overhead",
            (s.allow_fraction * s.queries as f64).round(),
            s.allow_fraction * 100.0,
            ns(s.timer_overhead_ns as f64)
        );
        println!(
            "load      parse {} + index {} = {} (medians of {} runs)",
            ms(l.parse_ms),
            ms(l.index_ms),
            ms(l.total_ms),
            l.runs
        );
        let rss = l
            .rss_bytes
            .map_or_else(|| "unknown".to_owned(), |b| bytes(b as f64));
        println!(
            "memory    org {} + index {} = {} live heap; process RSS {}",
            bytes(l.org_bytes as f64),
            bytes(l.index_bytes as f64),
            bytes((l.org_bytes + l.index_bytes) as f64),
            rss
        );
        println!();
        println!(
            "{:<16} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>9}",
            "engine", "p50", "p90", "p99", "mean", "batch", "load", "memory", "agrees"
        );
        for e in &self.engines {
            let agrees = match (e.disagreements, e.consistent) {
                (0, true) => "yes".to_owned(),
                (0, false) => "unstable".to_owned(),
                (n, _) => format!("{n} NO"),
            };
            println!(
                "{:<16} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>9}",
                e.name,
                ns(e.latency.p50),
                ns(e.latency.p90),
                ns(e.latency.p99),
                ns(e.latency.mean),
                ns(e.batch_ns),
                ms(e.load_ms),
                bytes(e.memory_bytes as f64),
                agrees
            );
        }
        println!();
        println!("targets (Roster's yes/no check)");
        for t in self.targets() {
            let verdict = if t.pass() { "PASS" } else { "MISS" };
            println!(
                "  {:<22} ≤ {:>9}  {:>10}  {verdict}",
                t.name, t.limit, t.measured
            );
        }
    }

    /// The report as JSON.
    pub fn to_json(&self) -> Value {
        let (m, s, l) = (&self.machine, &self.scenario, &self.load);
        let engines: Vec<Value> = self
            .engines
            .iter()
            .map(|e| {
                json!({
                    "name": e.name,
                    "measures": e.detail,
                    "p50_ns": e.latency.p50,
                    "p90_ns": e.latency.p90,
                    "p99_ns": e.latency.p99,
                    "max_ns": e.latency.max,
                    "mean_ns": e.latency.mean,
                    "batch_ns_per_query": e.batch_ns,
                    "checks_per_second": if e.batch_ns > 0.0 { 1e9 / e.batch_ns } else { 0.0 },
                    "load_ms": e.load_ms,
                    "load_runs": e.load_runs,
                    "memory_bytes": e.memory_bytes,
                    "disagreements": e.disagreements,
                    "consistent": e.consistent,
                })
            })
            .collect();
        let targets: Vec<Value> = self
            .targets()
            .iter()
            .map(|t| {
                json!({
                    "name": t.name,
                    "limit": t.limit_value,
                    "measured": t.measured_value,
                    "unit": t.unit,
                    "pass": t.pass(),
                })
            })
            .collect();
        json!({
            "machine": {
                "cpu": m.cpu,
                "cores": m.cores,
                "target": m.target,
                "rustc": m.rustc,
            },
            "versions": {
                "roster_engine": machine::ROSTER_VERSION,
                "cedar_policy": machine::CEDAR_VERSION,
                "casbin": machine::CASBIN_VERSION,
            },
            "scenario": {
                "seed": s.seed,
                "users": s.users,
                "active_users": s.active_users,
                "seat_holders": s.seat_holders,
                "groups": s.groups,
                "nested_groups": s.nested_groups,
                "builtin_roles": 5,
                "custom_roles": s.custom_roles,
                "permissions": s.permissions,
                "seat_permissions": s.seat_permissions,
                "document_bytes": s.document_bytes,
                "queries": s.queries,
                "allow_fraction": s.allow_fraction,
                "timer_overhead_ns": s.timer_overhead_ns,
            },
            "load": {
                "runs": l.runs,
                "parse_ms": l.parse_ms,
                "index_build_ms": l.index_ms,
                "total_ms": l.total_ms,
            },
            "memory": {
                "org_bytes": l.org_bytes,
                "index_bytes": l.index_bytes,
                "total_bytes": l.org_bytes + l.index_bytes,
                "rss_bytes": l.rss_bytes,
            },
            "engines": engines,
            "targets": targets,
            "all_agree": self.all_agree(),
        })
    }
}

/// Nanoseconds, switching to µs and ms as they grow.
fn ns(value: f64) -> String {
    if value < 1e3 {
        format!("{value:.0} ns")
    } else if value < 1e6 {
        format!("{:.1} µs", value / 1e3)
    } else {
        format!("{:.1} ms", value / 1e6)
    }
}

/// Milliseconds, switching to seconds past one.
fn ms(value: f64) -> String {
    if value < 1e3 {
        format!("{value:.1} ms")
    } else {
        format!("{:.2} s", value / 1e3)
    }
}

/// Bytes in KiB or MiB.
fn bytes(value: f64) -> String {
    if value < MIB {
        format!("{:.0} KiB", value / 1024.0)
    } else {
        format!("{:.1} MiB", value / MIB)
    }
}
