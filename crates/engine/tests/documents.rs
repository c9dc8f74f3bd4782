//! Importing and exporting the org document: round trips, and bad documents refused with the
//! path of the first bad field, never a panic.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    missing_docs,
    reason = "tests fail loudly"
)]

mod support;

use roster_engine::{demo, Org};
use serde_json::{json, Value};

fn basic() -> Value {
    let vector: Value = serde_json::from_str(support::vectors::VECTORS[0].1).unwrap();
    vector["org"].clone()
}

fn import(doc: &Value) -> Result<Org, roster_engine::DocumentError> {
    Org::from_json(&doc.to_string())
}

#[test]
fn export_then_import_gives_the_same_org() {
    let org = import(&basic()).unwrap();
    let again = Org::from_json(&org.to_json()).unwrap();
    assert_eq!(org, again);
    assert_eq!(org.to_json_pretty(), again.to_json_pretty());
    let big = demo::generate(&demo::DemoSpec::small(300, 9));
    assert_eq!(Org::from_json(&big.to_json()).unwrap(), big);
}

#[test]
fn generated_orgs_are_deterministic_and_valid() {
    let a = demo::generate(&demo::DemoSpec::small(120, 3));
    let b = demo::generate(&demo::DemoSpec::small(120, 3));
    let c = demo::generate(&demo::DemoSpec::small(120, 4));
    assert_eq!(a, b);
    assert_ne!(a, c);
    let statuses: std::collections::BTreeSet<_> = a.users().map(|u| u.status).collect();
    assert_eq!(statuses.len(), 4, "every status appears: {statuses:?}");
    assert!(a.invitations().count() > 0 && a.devices().count() > 0 && a.groups().count() > 0);
    let bench = demo::generate(&demo::DemoSpec::benchmark(1));
    assert_eq!(bench.users().count(), 10_000);
    assert_eq!(bench.groups().count(), 500);
    assert_eq!(bench.permission_keys().count(), 200);
    Org::from_json(&bench.to_json()).expect("the benchmark org is valid");
}

fn add_invitation_for_admin(doc: &mut Value) {
    let mut second = doc["invitations"][0].clone();
    second["id"] = json!("inv_grace");
    second["user_id"] = json!("usr_admin");
    second["email"] = json!("grace@example.com");
    doc["invitations"].as_array_mut().unwrap().push(second);
}

/// Each case edits the fixture document and names the path the error must carry.
#[test]
fn bad_documents_are_refused_at_the_first_bad_field() {
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit, &str)> = vec![
        ("version", |d| d["version"] = json!(2), "version"),
        (
            "unknown top-level field",
            |d| d["extra"] = json!(1),
            "extra",
        ),
        (
            "unknown user field",
            |d| d["users"][1]["admin"] = json!(true),
            "users[1].admin",
        ),
        (
            "wrong type",
            |d| d["org"]["seats_purchased"] = json!("four"),
            "org.seats_purchased",
        ),
        (
            "negative seats",
            |d| d["org"]["seats_purchased"] = json!(-1),
            "org.seats_purchased",
        ),
        (
            "too many seats",
            |d| d["org"]["seats_purchased"] = json!(2_000_000),
            "org.seats_purchased",
        ),
        (
            "invitation days",
            |d| d["org"]["settings"]["invitation_days"] = json!(31),
            "org.settings.invitation_days",
        ),
        (
            "bad email",
            |d| d["users"][2]["email"] = json!("alan"),
            "users[2].email",
        ),
        (
            "duplicate email",
            |d| d["users"][2]["email"] = json!("ADA@example.com"),
            "users[2].email",
        ),
        (
            "duplicate id",
            |d| d["users"][2]["id"] = json!("usr_owner"),
            "users[2].id",
        ),
        (
            "markup in a name",
            |d| d["users"][1]["name"] = json!("<img src=x onerror=alert(1)>"),
            "users[1].name",
        ),
        (
            "control character",
            |d| d["users"][1]["name"] = json!("Grace\u{7}Hopper"),
            "users[1].name",
        ),
        (
            "direction override",
            |d| d["groups"][0]["name"] = json!("evil\u{202e}txt.exe"),
            "groups[0].name",
        ),
        (
            "long name",
            |d| d["users"][1]["name"] = json!("x".repeat(101)),
            "users[1].name",
        ),
        (
            "huge name",
            |d| d["users"][1]["name"] = json!("x".repeat(1_000_000)),
            "users[1].name",
        ),
        (
            "bad status",
            |d| d["users"][1]["status"] = json!("banned"),
            "users[1].status",
        ),
        (
            "unknown role",
            |d| d["users"][1]["roles"] = json!(["wizard"]),
            "users[1].roles",
        ),
        (
            "unknown group",
            |d| d["users"][2]["groups"] = json!(["nowhere"]),
            "users[2].groups",
        ),
        (
            "seat while suspended",
            |d| d["users"][4]["seat"] = json!(true),
            "users[4].seat",
        ),
        (
            "seats past purchased",
            |d| d["org"]["seats_purchased"] = json!(2),
            "users[2].seat",
        ),
        (
            "no owner",
            |d| d["users"][0]["roles"] = json!(["admin"]),
            "users",
        ),
        (
            "group cycle",
            |d| d["groups"][0]["parents"] = json!(["platform"]),
            "groups[0].parents",
        ),
        (
            "unknown parent",
            |d| d["groups"][1]["parents"] = json!(["nowhere"]),
            "groups[1].parents",
        ),
        (
            "builtin role redefined",
            |d| d["roles"][0]["key"] = json!("admin"),
            "roles[0].key",
        ),
        (
            "unknown permission in role",
            |d| d["roles"][0]["permissions"] = json!(["made:up"]),
            "roles[0].permissions",
        ),
        (
            "bad permission key",
            |d| d["permissions"][0]["key"] = json!("Reports"),
            "permissions[0].key",
        ),
        (
            "builtin permission redeclared",
            |d| d["permissions"][0]["key"] = json!("users:read"),
            "permissions[0].key",
        ),
        (
            "invitation naming another email",
            |d| d["invitations"][0]["email"] = json!("grace@example.com"),
            "invitations[0].email",
        ),
        (
            "pending invitation for a member",
            add_invitation_for_admin,
            "invitations[1].state",
        ),
        (
            "invited user without invitation",
            |d| d["invitations"] = json!([]),
            "users[5].status",
        ),
        (
            "stored expired state",
            |d| d["invitations"][0]["state"] = json!("expired"),
            "invitations[0].state",
        ),
        (
            "bad token hash",
            |d| d["invitations"][0]["token_hash"] = json!("abc"),
            "invitations[0].token_hash",
        ),
        (
            "bad time",
            |d| d["users"][0]["created_at"] = json!("yesterday"),
            "users[0].created_at",
        ),
        (
            "device of nobody",
            |d| d["devices"][0]["user_id"] = json!("usr_ghost"),
            "devices[0].user_id",
        ),
        (
            "null where a list goes",
            |d| d["users"] = Value::Null,
            "users",
        ),
        (
            "locale",
            |d| d["users"][0]["settings"] = json!({"locale": "english"}),
            "users[0].settings.locale",
        ),
    ];
    for (what, edit, path) in cases {
        let mut doc = basic();
        edit(&mut doc);
        let error = import(&doc).expect_err(what);
        assert_eq!(error.path, path, "{what}: {error}");
        assert!(!error.message.is_empty());
    }
}

#[test]
fn truncated_and_garbled_documents_give_errors_not_panics() {
    let text = basic().to_string();
    let mut refused = 0;
    for cut in (0..text.len()).step_by(7) {
        if let Some(prefix) = text.get(..cut) {
            assert!(Org::from_json(prefix).is_err());
            refused += 1;
        }
    }
    assert!(refused > 100);
    for garbage in [
        "",
        "null",
        "[]",
        "{}",
        "\"org\"",
        "{\"version\": 1}",
        "\u{feff}{}",
        "{\"version\":1e400}",
    ] {
        assert!(Org::from_json(garbage).is_err(), "{garbage:?}");
    }
}

/// A small stand-in for the fuzz target (`fuzz/`), run on every test: thousands of
/// deterministic mutations of a valid document either import and round-trip, or give an
/// error; none panics.
#[test]
fn mutated_documents_import_cleanly_or_fail_cleanly() {
    let original = basic().to_string().into_bytes();
    let mut rng = roster_engine::SeededEntropy::new(2026);
    let inserts: [&[u8]; 8] = [
        b"\"",
        b"{",
        b"]",
        b"\\u0000",
        b"<script>",
        b"9999999999999",
        b"null",
        "\u{202e}".as_bytes(),
    ];
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..4_000 {
        let mut bytes = original.clone();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(bytes.len() as u64) as usize;
            match rng.below(3) {
                0 => bytes[at] = rng.below(256) as u8,
                1 => {
                    let end = (at + 1 + rng.below(40) as usize).min(bytes.len());
                    bytes.drain(at..end);
                }
                _ => {
                    let insert = inserts[rng.below(inserts.len() as u64) as usize];
                    bytes.splice(at..at, insert.iter().copied());
                }
            }
            if bytes.is_empty() {
                break;
            }
        }
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        match Org::from_json(text) {
            Ok(org) => {
                accepted += 1;
                assert_eq!(Org::from_json(&org.to_json()).as_ref(), Ok(&org), "{text}");
            }
            Err(e) => {
                refused += 1;
                assert!(!e.path.is_empty() && !e.message.is_empty());
            }
        }
    }
    assert!(
        refused > 1_000 && accepted > 10,
        "accepted {accepted}, refused {refused}"
    );
}

#[test]
fn field_errors_read_as_sentences_without_parser_positions() {
    let mut doc = basic();
    doc["users"][12 % 9]["email"] = json!("ada@");
    let error = import(&doc).unwrap_err();
    assert_eq!(
        error.to_string(),
        "users[3].email: invalid email `ada@`: the domain needs a dot"
    );
    let error = Org::from_json("{\"version\": 1,").unwrap_err();
    assert_eq!(error.path, ".");
    assert!(
        error.message.contains("line 1"),
        "syntax errors keep their position: {error}"
    );
}
