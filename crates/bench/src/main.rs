//! `roster-bench`: Roster's checks on the benchmark org, timed beside cedar-policy and casbin.
//!
//! One run generates the benchmark org (10,000 users, 500 groups, 25 roles, 200 permissions),
//! writes it as a JSON document, and measures loading it, the memory it holds, and 100,000
//! mixed allow and deny checks in Roster's index, Roster's explanations, Cedar and casbin.
//! Every engine's answers must equal the index's; on any difference the run prints the first
//! few and exits with status 1.
//!
//! ```text
//! cargo run --release -p roster-bench -- [--queries N] [--seed S] [--json OUT] [--export DIR]
//! ```

mod alloc;
mod casbin;
mod cedar;
mod engine_ops;
mod machine;
mod queries;
mod report;
mod stats;

use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use roster_engine::demo::{self, DemoSpec};
use roster_engine::{AccessIndex, Org, Status};

use crate::queries::{Query, Workload};
use crate::report::{EngineResult, Report, RosterLoad, Scenario};
use crate::stats::Summary;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

/// Loads of the Roster document the load figure is the median of.
const ROSTER_LOAD_RUNS: usize = 15;
/// Loads of Cedar's and casbin's inputs (slower, so fewer).
const OTHER_LOAD_RUNS: usize = 5;
/// Queries run untimed before each engine's timed runs.
const WARM_UP_QUERIES: usize = 10_000;
/// Disagreements printed per engine.
const SHOWN_DISAGREEMENTS: usize = 5;

const USAGE: &str = "usage: roster-bench [--queries N] [--seed S] [--json OUT] [--export DIR]";

struct Args {
    queries: usize,
    seed: u64,
    json: Option<PathBuf>,
    /// Where to write the org document and the queries with their answers, for the Wasm run.
    export: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        queries: 100_000,
        seed: 1,
        json: None,
        export: None,
    };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        let mut value = |flag: &str| {
            words
                .next()
                .ok_or_else(|| format!("`{flag}` needs a value"))
        };
        match word.as_str() {
            "--queries" => {
                let text = value("--queries")?;
                args.queries = text
                    .parse()
                    .map_err(|_| format!("bad query count `{text}`"))?;
            }
            "--seed" => {
                let text = value("--seed")?;
                args.seed = text.parse().map_err(|_| format!("bad seed `{text}`"))?;
            }
            "--json" => args.json = Some(PathBuf::from(value("--json")?)),
            "--export" => args.export = Some(PathBuf::from(value("--export")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.queries == 0 {
        return Err("the query count must be at least 1".to_owned());
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("roster-bench: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let machine = machine::Machine::detect();

    // The org as the document an application would be handed.
    let generated = demo::generate(&DemoSpec::benchmark(args.seed));
    let document = generated.to_json();
    drop(generated);

    let (org, index, load) = load_roster(&document);
    let document_bytes = document.len();
    drop(document);
    let load = RosterLoad {
        rss_bytes: alloc::resident_bytes(),
        ..load
    };

    let workload = Workload::draw(&org, args.queries, args.seed);
    let overhead = stats::timer_overhead();
    let queries = &workload.queries;
    let roster_total = (load.total_ms, load.runs, load.org_bytes + load.index_bytes);
    let parse_only = (load.parse_ms, load.runs, load.org_bytes);

    // Roster's index answers first: they are the reference every engine is compared with.
    let (check, reference) = run_engine(
        "roster check",
        "AccessIndex::check, the yes/no check",
        queries,
        overhead,
        |q| index.check(workload.user(q), workload.permission(q)),
    );
    if let Some(dir) = &args.export {
        if let Err(e) = export(dir, &org, &workload, &reference) {
            eprintln!("roster-bench: can't export to `{}`: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    }
    let mut engines = vec![with_load(check, roster_total)];
    let mut answers = vec![reference.clone()];

    let (explain, found) = run_engine(
        "roster explain",
        "Org::explain, the check with reasons (building and dropping the explanation)",
        queries,
        overhead,
        |q| {
            org.explain(workload.user(q), workload.permission(q))
                .is_allowed()
        },
    );
    engines.push(with_load(explain, parse_only));
    answers.push(found);

    let (allowed, found) = run_engine(
        "roster allowed",
        "Org::is_allowed, the reference path without the index",
        queries,
        overhead,
        |q| org.is_allowed(workload.user(q), workload.permission(q)),
    );
    engines.push(with_load(allowed, parse_only));
    answers.push(found);

    // Cedar, in both styles: converting the org is not timed; loading Cedar's own inputs is.
    for (name, detail, style) in [
        (
            "cedar (lists)",
            "cedar-policy Authorizer::is_authorized; policies list their actions",
            cedar::ActionStyle::Lists,
        ),
        (
            "cedar (groups)",
            "cedar-policy Authorizer::is_authorized; policies name one action group per role",
            cedar::ActionStyle::Groups,
        ),
    ] {
        let source = cedar::source(&org, style);
        let (loaded, times, memory) = load_repeatedly(OTHER_LOAD_RUNS, || cedar::load(&source));
        let engine = cedar::CedarEngine::new(loaded, &org, &workload);
        let (result, found) = run_engine(name, detail, queries, overhead, |q| engine.check(q));
        engines.push(with_load(
            result,
            (stats::median_ms(&times), OTHER_LOAD_RUNS, memory),
        ));
        answers.push(found);
    }

    // casbin: likewise, the policy lines are written untimed and loaded timed.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a single-threaded tokio runtime starts");
    let policy = casbin::policy(&org);
    let (enforcer, times, memory) =
        load_repeatedly(OTHER_LOAD_RUNS, || casbin::load(&runtime, &policy));
    let engine = casbin::CasbinEngine::new(enforcer, &workload);
    let (result, found) = run_engine(
        "casbin",
        "casbin Enforcer::enforce, RBAC with a role hierarchy",
        queries,
        overhead,
        |q| engine.check(q),
    );
    engines.push(with_load(
        result,
        (stats::median_ms(&times), OTHER_LOAD_RUNS, memory),
    ));
    answers.push(found);
    drop(engine);

    let differing: Vec<Vec<usize>> = answers.iter().map(|a| differences(&reference, a)).collect();
    for (engine, found) in engines.iter_mut().zip(&differing) {
        engine.disagreements = found.len();
    }
    let allow_fraction =
        reference.iter().filter(|&&a| a).count() as f64 / reference.len().max(1) as f64;
    let report = Report {
        machine,
        scenario: scenario(
            &org,
            args.seed,
            document_bytes,
            queries.len(),
            allow_fraction,
            overhead,
        ),
        load,
        engines,
    };
    report.print();
    let listing = engine_ops::listing(&org);
    let commands = engine_ops::commands(&org);
    engine_ops::print("listing users, one page of 50", &listing);
    engine_ops::print("commands, including the invariant re-checks", &commands);

    let mut status = ExitCode::SUCCESS;
    if let Some(path) = &args.json {
        let mut json = report.to_json();
        json["listing"] = engine_ops::to_json(&listing);
        json["commands"] = engine_ops::to_json(&commands);
        let text = serde_json::to_string_pretty(&json).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text + "\n") {
            eprintln!("roster-bench: can't write `{}`: {e}", path.display());
            status = ExitCode::FAILURE;
        }
    }
    if !report.all_agree() {
        for (engine, found) in report.engines.iter().zip(&differing) {
            print_disagreements(engine, found, &org, &workload, &reference);
        }
        status = ExitCode::FAILURE;
    }
    status
}

/// Loads the document into an `Org` and an `AccessIndex` many times for the timings, then
/// once more to count the bytes each holds.
fn load_roster(document: &str) -> (Org, AccessIndex, RosterLoad) {
    let load = || Org::from_json(document).expect("the generated document loads");
    let (mut parse, mut build, mut total) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROSTER_LOAD_RUNS {
        let start = Instant::now();
        let org = load();
        let parsed = Instant::now();
        let index = AccessIndex::build(&org);
        let built = Instant::now();
        parse.push(parsed - start);
        build.push(built - parsed);
        total.push(built - start);
        drop(black_box(index));
        drop(black_box(org));
    }
    let (org, org_bytes) = alloc::retained_by(load);
    let (index, index_bytes) = alloc::retained_by(|| AccessIndex::build(&org));
    let load = RosterLoad {
        runs: ROSTER_LOAD_RUNS,
        parse_ms: stats::median_ms(&parse),
        index_ms: stats::median_ms(&build),
        total_ms: stats::median_ms(&total),
        org_bytes,
        index_bytes,
        rss_bytes: None,
    };
    (org, index, load)
}

/// Runs `load` `runs` times, each after the previous result is dropped; returns the last
/// result, every duration, and the live bytes the last result holds.
fn load_repeatedly<T>(runs: usize, mut load: impl FnMut() -> T) -> (T, Vec<Duration>, usize) {
    let mut times = Vec::with_capacity(runs);
    let mut kept = None;
    let mut memory = 0;
    for _ in 0..runs.max(1) {
        drop(kept.take());
        let start = Instant::now();
        let (value, bytes) = alloc::retained_by(&mut load);
        times.push(start.elapsed());
        kept = Some(value);
        memory = bytes;
    }
    let value = kept.expect("at least one load ran");
    (value, times, memory)
}

/// Warms up, times every query alone, then times them all in one batch. Returns the result
/// (without load and memory figures) and the answers of the timed run.
fn run_engine(
    name: &'static str,
    detail: &'static str,
    queries: &[Query],
    overhead: u64,
    mut check: impl FnMut(Query) -> bool,
) -> (EngineResult, Vec<bool>) {
    eprintln!("roster-bench: running {name} on {} queries", queries.len());
    stats::warm_up(queries, WARM_UP_QUERIES, &mut check);
    let timed = stats::time_each(queries, overhead, &mut check);
    let (batch, batch_allowed) = stats::time_batch(queries, &mut check);
    let timed_allowed = timed.answers.iter().filter(|&&a| a).count();
    let result = EngineResult {
        name,
        detail,
        latency: Summary::of(&timed.samples),
        batch_ns: batch.as_secs_f64() * 1e9 / queries.len().max(1) as f64,
        load_ms: 0.0,
        load_runs: 0,
        memory_bytes: 0,
        disagreements: 0,
        // The same engine must answer the same queries the same way twice.
        consistent: batch_allowed == timed_allowed,
    };
    (result, timed.answers)
}

/// The result with its load time, load runs and memory.
fn with_load(
    result: EngineResult,
    (load_ms, load_runs, memory_bytes): (f64, usize, usize),
) -> EngineResult {
    EngineResult {
        load_ms,
        load_runs,
        memory_bytes,
        ..result
    }
}

/// The positions where `answers` differs from `reference`.
fn differences(reference: &[bool], answers: &[bool]) -> Vec<usize> {
    let differing = reference
        .iter()
        .zip(answers)
        .enumerate()
        .filter(|(_, (r, a))| r != a);
    let mut found: Vec<usize> = differing.map(|(i, _)| i).collect();
    if answers.len() != reference.len() {
        found.push(reference.len().min(answers.len()));
    }
    found
}

/// The org and workload, counted.
fn scenario(
    org: &Org,
    seed: u64,
    document_bytes: usize,
    queries: usize,
    allow_fraction: f64,
    timer_overhead_ns: u64,
) -> Scenario {
    Scenario {
        seed,
        users: org.users().len(),
        active_users: org.users().filter(|u| u.status == Status::Active).count(),
        seat_holders: org.users().filter(|u| u.seat).count(),
        groups: org.groups().len(),
        nested_groups: org.groups().filter(|g| !g.parents.is_empty()).count(),
        custom_roles: org.custom_roles().len(),
        permissions: org.permission_keys().count(),
        seat_permissions: org
            .permission_keys()
            .filter(|p| org.permission_needs_seat(p) == Some(true))
            .count(),
        document_bytes,
        queries,
        allow_fraction,
        timer_overhead_ns,
    }
}

/// The first few queries an engine answered differently, with Roster's reasons for each.
fn print_disagreements(
    engine: &EngineResult,
    found: &[usize],
    org: &Org,
    workload: &Workload,
    reference: &[bool],
) {
    if !engine.consistent {
        eprintln!(
            "{}: answered differently when timed alone and in a batch",
            engine.name
        );
    }
    if found.is_empty() {
        return;
    }
    eprintln!(
        "{}: {} answers differ from AccessIndex::check",
        engine.name,
        found.len()
    );
    for &i in found.iter().take(SHOWN_DISAGREEMENTS) {
        let Some(&query) = workload.queries.get(i) else {
            continue;
        };
        let (user, permission) = (workload.user(query), workload.permission(query));
        let why = serde_json::to_string(&org.explain(user, permission)).unwrap_or_default();
        let expected = reference.get(i).copied().unwrap_or_default();
        eprintln!(
            "  query {i}: `{user}` `{permission}`: index says {expected}, {} says {}; \
             explain: {why}",
            engine.name, !expected
        );
    }
}

/// Writes the org document and the queries with the index's answers, so the Wasm benchmark
/// can run the same workload and check its answers against the native ones.
fn export(
    dir: &std::path::Path,
    org: &Org,
    workload: &Workload,
    answers: &[bool],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("org.json"), org.to_json())?;
    let queries: Vec<serde_json::Value> = workload
        .queries
        .iter()
        .zip(answers)
        .map(|(q, allowed)| {
            serde_json::json!({
                "user": workload.user(*q),
                "permission": workload.permission(*q),
                "allowed": allowed,
            })
        })
        .collect();
    std::fs::write(
        dir.join("queries.json"),
        serde_json::to_string(&queries).unwrap_or_default(),
    )
}
