//! Reads the versions of cedar-policy and casbin from the workspace's Cargo.lock, so the
//! report names the exact versions it measured.

use std::fs;
use std::path::Path;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_owned());
    let lock = Path::new(&manifest_dir).join("../../Cargo.lock");
    println!("cargo::rerun-if-changed={}", lock.display());
    let text = fs::read_to_string(&lock).unwrap_or_default();
    for (crate_name, var) in [
        ("cedar-policy", "ROSTER_BENCH_CEDAR_VERSION"),
        ("casbin", "ROSTER_BENCH_CASBIN_VERSION"),
    ] {
        let version = locked_version(&text, crate_name).unwrap_or("unknown");
        println!("cargo::rustc-env={var}={version}");
    }
}

/// The version on the line after `name = "<crate_name>"` in a Cargo.lock.
fn locked_version<'a>(lock: &'a str, crate_name: &str) -> Option<&'a str> {
    let wanted = format!("name = \"{crate_name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = ")?;
            return Some(version.trim_matches('"'));
        }
    }
    None
}
