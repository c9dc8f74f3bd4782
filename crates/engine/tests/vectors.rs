//! Decision vectors, natively and (with wasm-bindgen-test) in Wasm under Node.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    missing_docs,
    reason = "tests fail loudly"
)]

mod support;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn every_vector_decides_as_written() {
    let checks = support::vectors::run_all();
    assert!(checks >= 30, "only {checks} checks ran");
}

/// A vector file that is not listed in `support/vectors.rs` would silently never run.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_vector_file_is_listed() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/vectors exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = support::vectors::VECTORS
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}
