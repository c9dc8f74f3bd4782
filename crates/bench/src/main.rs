//! `roster-bench`: Roster's checks on the benchmark org, timed beside cedar-policy and casbin.
//!
//! One run generates the benchmark org (10,000 users, 500 groups, 25 roles, 200 permissions),
//! writes it as a JSON document, and measures loading it, the memory it holds, and 100,000
//! mixed allow and deny checks in Roster's index, Roster's explanations, Cedar and casbin.
//! Every engine's answers must equal the index's; on any difference the run prints the first
//! few and exits with status 1.
//!
//! ```text
//! cargo run --release -p roster-bench -- [--queries N] [--seed S] [--json OUT]
//! ```

mod alloc;
mod casbin;
mod cedar;
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

const USAGE: &str = "usage: roster-bench [--queries N] [--seed S] [--json OUT]";

struct Args {
    queries: usize,
    seed: u64,
    json: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { queries: 100_000, seed: 1, json: None };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        let mut value = |flag: &str| words.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match word.as_str() {
            "--queries" => {
                let text = value("--queries")?;
                args.queries = text.parse().map_err(|_| format!("bad query count `{text}`"))?;
            }
            "--seed" => {
                let text = value("--seed")?;
                args.seed = text.parse().map_err(|_| format!("bad seed `{text}`"))?;
            }
            "--json" => args.json = Some(PathBuf::from(value("--json")?)),
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
    let load = RosterLoad { rss_bytes: alloc::resident_bytes(), ..load };

    let workload = Workload::draw(&org, args.queries, args.seed);
    let overhead = stats::timer_overhead();
    let queries = &workload.queries;
    let mut engines = Vec::new();
    let mut mismatches: Vec<(&'static str, Vec<usize>)> = Vec::new();

    // Roster's index is the reference every other engine is compared with.
    let check = |q: Query| index.check(workload.user(q), workload.permission(q));
    let (result, reference) = run_engine(
        "roster check",
        "AccessIndex::check, the yes/no check",
        queries,
        overhead,
        check,
        None,
    );
    let allow_fraction =
        reference.iter().filter(|&&a| a).count() as f64 / reference.len().max(1) as f64;
    engines.push(EngineResult {
        load_ms: load.total_ms,
        load_runs: load.runs,
        memory_bytes: load.org_bytes + load.index_bytes,
        ..result
    });

    let explain = |q: Query| org.explain(workload.user(q), workload.permission(q)).is_allowed();
    let (result, answers) = run_engine(
        "roster explain",
        "Org::explain, the check with reasons (building and dropping the explanation)",
        queries,
        overhead,
        explain,
        Some(&reference),
    );
    mismatches.push((result.name, differences(&reference, &answers)));
    let parse_only = (load.parse_ms, load.runs, load.org_bytes);
    engines.push(with_load(result, parse_only));

    let reference_path = |q: Query| org.is_allowed(workload.user(q), workload.permission(q));
    let (result, answers) = run_engine(
        "roster allowed",
        "Org::is_allowed, the reference path without the index",
        queries,
        overhead,
        reference_path,
        Some(&reference),
    );
    mismatches.push((result.name, differences(&reference, &answers)));
    engines.push(with_load(result, parse_only));

    // Cedar: the conversion from the org is not timed; parsing Cedar's own inputs is.
    let source = cedar::source(&org);
    let (loaded, load_times, memory) = load_repeatedly(OTHER_LOAD_RUNS, || cedar::load(&source));
    let engine = cedar::CedarEngine::new(loaded, &org, &workload);
    let (result, answers) = run_engine(
        "cedar",
        "cedar-policy Authorizer::is_authorized, request built from prepared uids",
        queries,
        overhead,
        |q| engine.check(q),
        Some(&reference),
    );
    mismatches.push((result.name, differences(&reference, &answers)));
    engines.push(with_load(result, (stats::median_ms(&load_times), OTHER_LOAD_RUNS, memory)));
    drop(engine);
    drop(source);

    // casbin: likewise, the policy lines are written untimed and loaded timed.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a single-threaded tokio runtime starts");
    let policy = casbin::policy(&org);
    let (enforcer, load_times, memory) =
        load_repeatedly(OTHER_LOAD_RUNS, || casbin::load(&runtime, &policy));
    let engine = casbin::CasbinEngine::new(enforcer, &workload);
    let (result, answers) = run_engine(
        "casbin",
        "casbin Enforcer::enforce, RBAC with a role hierarchy",
        queries,
        overhead,
        |q| engine.check(q),
        Some(&reference),
    );
    mismatches.push((result.name, differences(&reference, &answers)));
    engines.push(with_load(result, (stats::median_ms(&load_times), OTHER_LOAD_RUNS, memory)));
    drop(engine);

    for (engine, found) in &mismatches {
        if let Some(result) = engines.iter_mut().find(|e| e.name == *engine) {
            result.disagreements = found.len();
        }
    }
    let report = Report {
        machine,
        scenario: scenario(&org, args.seed, document_bytes, allow_fraction, overhead),
        load,
        engines,
    };
    report.print();

    let mut status = ExitCode::SUCCESS;
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text + "\n") {
            eprintln!("roster-bench: can't write `{}`: {e}", path.display());
            status = ExitCode::FAILURE;
        }
    }
    if !report.all_agree() {
        print_disagreements(&org, &workload, &reference, &mismatches);
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
    reference: Option<&[bool]>,
) -> (EngineResult, Vec<bool>) {
    eprintln!("roster-bench: running {name} on {} queries", queries.len());
    stats::warm_up(queries, WARM_UP_QUERIES, &mut check);
    let timed = stats::time_each(queries, overhead, &mut check);
    let (batch, batch_allowed) = stats::time_batch(queries, &mut check);
    let timed_allowed = timed.answers.iter().filter(|&&a| a).count();
    if batch_allowed != timed_allowed {
        eprintln!(
            "roster-bench: {name} allowed {timed_allowed} queries timed alone but \
             {batch_allowed} in a batch"
        );
    }
    let batch_differs = usize::from(batch_allowed != timed_allowed);
    let result = EngineResult {
        name,
        detail,
        latency: Summary::of(&timed.samples),
        batch_ns: batch.as_secs_f64() * 1e9 / queries.len().max(1) as f64,
        load_ms: 0.0,
        load_runs: 0,
        memory_bytes: 0,
        disagreements: batch_differs,
    };
    let _ = reference;
    (result, timed.answers)
}
