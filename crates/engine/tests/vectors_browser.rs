//! Decision vectors in headless Chromium (wasm-bindgen-test with a browser runner).
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    missing_docs,
    reason = "tests fail loudly"
)]

mod support;

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn every_vector_decides_as_written_in_a_browser() {
    let checks = support::vectors::run_all();
    assert!(checks >= 30, "only {checks} checks ran");
}
