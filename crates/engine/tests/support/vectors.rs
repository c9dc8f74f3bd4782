//! The decision vectors under `tests/vectors/`, compiled in so that the native build, Wasm
//! under Node and Wasm in a browser all run the very same files.

use roster_engine::{AccessIndex, Org, OrgDocument};
use serde_json::Value;

/// Every vector file: its name and its text.
pub const VECTORS: &[(&str, &str)] = &[
    (
        "basic.json",
        include_str!("../../../../tests/vectors/basic.json"),
    ),
    (
        "nested-groups.json",
        include_str!("../../../../tests/vectors/nested-groups.json"),
    ),
];

/// Runs every check of every vector against both evaluators; returns how many checks ran.
pub fn run_all() -> usize {
    let mut checks = 0;
    for (name, text) in VECTORS {
        let vector: Value = serde_json::from_str(text).expect("vector file is JSON");
        let doc: OrgDocument =
            serde_json::from_value(vector["org"].clone()).expect("vector org has the right shape");
        let org = Org::from_document(doc).unwrap_or_else(|e| panic!("{name}: bad org: {e}"));
        let index = AccessIndex::build(&org);
        let cases = vector["checks"]
            .as_array()
            .expect("vector has a checks list");
        assert!(!cases.is_empty(), "{name} has no checks");
        for case in cases {
            let user = case["user"].as_str().expect("check names a user");
            let permission = case["permission"]
                .as_str()
                .expect("check names a permission");
            let expected = serde_json::json!({
                "decision": case["decision"],
                "grants": case["grants"],
                "deny_reasons": case["deny_reasons"],
            });
            let explanation = org.explain(user, permission);
            let actual = serde_json::to_value(&explanation).expect("explanations serialise");
            assert_eq!(actual, expected, "{name}: {user} {permission}");
            assert_eq!(
                index.check(user, permission),
                explanation.is_allowed(),
                "{name}: the index disagrees on {user} {permission}"
            );
            checks += 1;
        }
    }
    checks
}
