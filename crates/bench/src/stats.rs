//! Timing one query at a time and in a batch, and summarising the samples.

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::queries::Query;

/// The median cost of an empty pair of `Instant::now()` calls, in nanoseconds. It is
/// subtracted from every per-query sample.
pub fn timer_overhead() -> u64 {
    let mut samples: Vec<u64> = (0..20_000)
        .map(|_| {
            let start = Instant::now();
            black_box(());
            nanos(start.elapsed())
        })
        .collect();
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// Each query's answer and its time in nanoseconds, less the timer's own overhead.
pub struct Timed {
    /// Per-query times, in query order.
    pub samples: Vec<u64>,
    /// Per-query answers, in query order.
    pub answers: Vec<bool>,
}

/// Runs `check` on every query, timing each call on its own.
pub fn time_each(queries: &[Query], overhead: u64, mut check: impl FnMut(Query) -> bool) -> Timed {
    let mut samples = Vec::with_capacity(queries.len());
    let mut answers = Vec::with_capacity(queries.len());
    for &query in queries {
        let start = Instant::now();
        // The black boxes keep the call between the two clock reads.
        let answer = black_box(check(black_box(query)));
        let elapsed = start.elapsed();
        samples.push(nanos(elapsed).saturating_sub(overhead));
        answers.push(answer);
    }
    Timed { samples, answers }
}

/// Runs `check` on every query back to back; returns the total time and how many allowed.
pub fn time_batch(queries: &[Query], mut check: impl FnMut(Query) -> bool) -> (Duration, usize) {
    let start = Instant::now();
    let mut allowed = 0;
    for &query in queries {
        allowed += usize::from(black_box(check(black_box(query))));
    }
    (start.elapsed(), allowed)
}

/// Runs `check` on the first `n` queries without timing, to warm caches and branch predictors.
pub fn warm_up(queries: &[Query], n: usize, mut check: impl FnMut(Query) -> bool) {
    for &query in queries.iter().take(n) {
        black_box(check(black_box(query)));
    }
}

/// A latency distribution in nanoseconds.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest sample.
    pub max: f64,
    /// Arithmetic mean.
    pub mean: f64,
}

impl Summary {
    /// Summarises samples (nearest-rank percentiles); all zero for no samples.
    pub fn of(samples: &[u64]) -> Summary {
        if samples.is_empty() {
            return Summary {
                p50: 0.0,
                p90: 0.0,
                p99: 0.0,
                max: 0.0,
                mean: 0.0,
            };
        }
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let rank = |p: f64| {
            let index = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
            sorted[index] as f64
        };
        let total: u128 = sorted.iter().map(|&s| u128::from(s)).sum();
        Summary {
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max: rank(1.0),
            mean: total as f64 / sorted.len() as f64,
        }
    }
}

/// The median of some durations, in milliseconds.
pub fn median_ms(durations: &[Duration]) -> f64 {
    let mut sorted: Vec<Duration> = durations.to_vec();
    sorted.sort_unstable();
    sorted
        .get(sorted.len() / 2)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// A duration in whole nanoseconds, saturating.
pub fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}
