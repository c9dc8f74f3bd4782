//! Placeholder; the benchmark harness lands next.
fn main() {}
