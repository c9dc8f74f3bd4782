//! Timings of the engine's other hot paths on the benchmark org: listing users (filters,
//! search, sorts, cursors) and applying commands, each the median of repeated runs.

use std::hint::black_box;
use std::time::Instant;

use roster_engine::{
    Actor, Command, Context, Org, SeededEntropy, SortKey, SortOrder, Status, Timestamp, UserQuery,
};
use serde_json::{json, Value};

/// Runs of each operation the median is taken over.
const RUNS: usize = 21;

fn median_us(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples.get(samples.len() / 2).copied().unwrap_or(0.0)
}

fn time_us(mut run: impl FnMut()) -> f64 {
    let samples = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    median_us(samples)
}

/// Listing: one page of 50 under several filters and sorts, and the 100th page by cursor.
pub fn listing(org: &Org) -> Vec<(String, f64)> {
    let page = |query: UserQuery| {
        move || {
            black_box(org.list_users(&query).map(|p| p.users.len()).unwrap_or(0));
        }
    };
    let mut cursor_query = UserQuery {
        limit: 50,
        sort: SortKey::Email,
        ..UserQuery::default()
    };
    for _ in 0..99 {
        match org
            .list_users(&cursor_query)
            .ok()
            .and_then(|p| p.next_cursor)
        {
            Some(cursor) => cursor_query.cursor = Some(cursor),
            None => break,
        }
    }
    vec![
        (
            "first page, by name".into(),
            time_us(page(UserQuery::default())),
        ),
        (
            "active, with a seat, by last activity descending".into(),
            time_us(page(UserQuery {
                status: vec![Status::Active],
                seat: Some(true),
                sort: SortKey::LastActive,
                order: SortOrder::Desc,
                ..UserQuery::default()
            })),
        ),
        (
            "search `lovelace`".into(),
            time_us(page(UserQuery {
                search: Some("lovelace".into()),
                ..UserQuery::default()
            })),
        ),
        (
            "holding `member` (through groups too)".into(),
            time_us(page(UserQuery {
                role: "member".try_into().ok(),
                ..UserQuery::default()
            })),
        ),
        (
            "100th page by cursor, by email".into(),
            time_us(page(cursor_query)),
        ),
    ]
}

/// Commands: each applied to a fresh copy of the org (the copy is not timed).
pub fn commands(org: &Org) -> Vec<(String, f64)> {
    let owner = org.users().next().map(|u| u.id.clone());
    let active: Vec<_> = org
        .users()
        .filter(|u| u.status == Status::Active && !u.roles.contains("owner"))
        .map(|u| u.id.to_string())
        .collect();
    let target = active.get(active.len() / 2).cloned().unwrap_or_default();
    let cases: Vec<(&str, Value)> = vec![
        (
            "suspend a user",
            json!({"command": "suspend_user", "user_id": target}),
        ),
        (
            "unassign a seat",
            json!({"command": "unassign_seat", "user_id": target}),
        ),
        (
            "invite 10 people",
            json!({"command": "invite", "invitations": (0..10)
                .map(|i| json!({"email": format!("bench{i}@example.net"), "roles": ["member"]}))
                .collect::<Vec<_>>()}),
        ),
        (
            "assign a role",
            json!({"command": "assign_role", "user_id": target, "role": "viewer"}),
        ),
    ];
    let now = Timestamp::from_unix_seconds(1_796_100_000);
    cases
        .into_iter()
        .filter_map(|(name, value)| {
            let command = Command::from_value(value).ok()?;
            let actor = Actor::User(owner.clone()?);
            let mut samples = Vec::with_capacity(RUNS);
            for run in 0..RUNS {
                let mut copy = org.clone();
                let mut entropy = SeededEntropy::new(run as u64);
                let mut ctx = Context {
                    actor: actor.clone(),
                    now,
                    entropy: &mut entropy,
                };
                let start = Instant::now();
                let outcome = copy.execute(&mut ctx, &command);
                samples.push(start.elapsed().as_secs_f64() * 1e6);
                if let Err(e) = outcome {
                    eprintln!("roster-bench: `{name}` was refused: {e}");
                    return None;
                }
            }
            Some((name.to_owned(), median_us(samples)))
        })
        .collect()
}

/// Prints the timings as a small table.
pub fn print(title: &str, rows: &[(String, f64)]) {
    println!("\n{title} (median of {RUNS} runs)");
    for (name, us) in rows {
        println!("  {name:<52} {us:>9.1} µs");
    }
}

/// The timings as JSON rows.
pub fn to_json(rows: &[(String, f64)]) -> Value {
    Value::Array(
        rows.iter()
            .map(|(name, us)| json!({"name": name, "median_us": us}))
            .collect(),
    )
}
