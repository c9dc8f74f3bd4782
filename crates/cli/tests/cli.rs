//! End-to-end tests of the `roster` binary on generated demo documents.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

/// A directory of its own for one test, removed when the test ends.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("roster-cli-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the scratch directory");
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes `text` to `name` in the scratch directory and returns its path as a string.
    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        fs::write(&path, text).expect("write a scratch file");
        arg(&path)
    }

    /// A demo org (seed 1, 20 users) written to `org.json`.
    fn demo(&self) -> String {
        let out = roster(&["demo", "--seed", "1"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        self.write("org.json", &stdout(&out))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn arg(path: &Path) -> String {
    path.to_str().expect("a UTF-8 temp path").to_owned()
}

fn roster(args: &[&str]) -> Output {
    roster_with_stdin(args, "")
}

fn roster_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start roster");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait for roster")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("an exit code, not a signal")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("UTF-8 stderr")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn read_json(path: &str) -> Value {
    serde_json::from_str(&fs::read_to_string(path).expect("read JSON")).expect("parse JSON")
}

/// The first active user who doesn't hold `owner` directly.
fn active_non_owner(doc: &Value) -> String {
    let users = doc["users"].as_array().expect("users");
    let user = users
        .iter()
        .find(|u| u["status"] == "active" && !u["roles"].to_string().contains("\"owner\""))
        .expect("an active user who is not an owner");
    user["id"].as_str().expect("an id").to_owned()
}

#[test]
fn demo_is_deterministic_for_a_seed() {
    let first = roster(&["demo", "--seed", "42", "--users", "30"]);
    let again = roster(&["demo", "--seed", "42", "--users", "30"]);
    let other = roster(&["demo", "--seed", "43", "--users", "30"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert_eq!(first.stdout, again.stdout);
    assert_ne!(first.stdout, other.stdout);

    let doc = json_of(&first);
    assert_eq!(doc["users"].as_array().map(Vec::len), Some(30));
    assert_eq!(
        doc["org"]["seats_purchased"], 24,
        "80% of 30 users by default"
    );
}

#[test]
fn demo_overrides_the_spec() {
    let out = roster(&[
        "demo",
        "--users",
        "12",
        "--groups",
        "2",
        "--custom-roles",
        "1",
        "--product-permissions",
        "3",
        "--seats",
        "5",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json_of(&out);
    assert_eq!(doc["users"].as_array().map(Vec::len), Some(12));
    assert_eq!(doc["groups"].as_array().map(Vec::len), Some(2));
    assert_eq!(doc["roles"].as_array().map(Vec::len), Some(1));
    assert_eq!(doc["permissions"].as_array().map(Vec::len), Some(3));
    assert_eq!(doc["org"]["seats_purchased"], 5);
}

#[test]
fn validate_accepts_a_demo_with_a_summary() {
    let scratch = Scratch::new("validate-ok");
    let org = scratch.demo();
    let out = roster(&["validate", &org]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let summary = stdout(&out);
    assert_eq!(summary.lines().count(), 1, "{summary}");
    assert!(summary.contains("20 users ("), "{summary}");
    assert!(summary.contains("6 groups, 3 custom roles"), "{summary}");
    assert!(summary.contains("16 purchased"), "{summary}");
}

#[test]
fn validate_rejects_a_bad_email_naming_its_path() {
    let scratch = Scratch::new("validate-bad");
    let mut doc = read_json(&scratch.demo());
    doc["users"][3]["email"] = json!("not-an-email");
    let broken = scratch.write("broken.json", &doc.to_string());

    let out = roster(&["validate", &broken]);
    assert_eq!(code(&out), 1);
    let message = stderr(&out);
    assert!(message.starts_with("error: users[3].email: "), "{message}");
    assert!(message.contains("not-an-email"), "{message}");
    assert!(stdout(&out).is_empty());

    // The same through stdin.
    let out = roster_with_stdin(&["validate", "-"], &doc.to_string());
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("users["), "{}", stderr(&out));
}

#[test]
fn check_exits_0_on_allow_and_2_on_deny() {
    let scratch = Scratch::new("check");
    let org = scratch.demo();

    let allow = roster(&["check", &org, "usr_00000", "billing:manage"]);
    assert_eq!(code(&allow), 0, "{}", stderr(&allow));
    let text = stdout(&allow);
    assert!(
        text.starts_with("allow usr_00000 billing:manage\n"),
        "{text}"
    );
    assert!(text.contains("  via role owner"), "{text}");

    let deny = roster(&["check", &org, "usr_00000", "rockets:launch"]);
    assert_eq!(code(&deny), 2);
    let text = stdout(&deny);
    assert!(
        text.starts_with("deny usr_00000 rockets:launch\n"),
        "{text}"
    );
    assert!(text.contains("not in the catalog"), "{text}");

    let json = roster(&["check", &org, "usr_00000", "billing:manage", "--json"]);
    assert_eq!(code(&json), 0);
    let why = json_of(&json);
    assert_eq!(why["decision"], "allow");
    assert_eq!(why["grants"][0]["role"], "owner");
    assert_eq!(why["deny_reasons"], json!([]));

    let json = roster(&["check", &org, "usr_nobody", "users:read", "--json"]);
    assert_eq!(code(&json), 2);
    let why = json_of(&json);
    assert_eq!(why["decision"], "deny");
    assert_eq!(why["deny_reasons"], json!([{ "reason": "unknown_user" }]));
}

#[test]
fn errors_and_bad_arguments_exit_1_not_2() {
    let scratch = Scratch::new("errors");
    let missing = arg(&scratch.path("missing.json"));
    let out = roster(&["check", &missing, "usr_00000", "users:read"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).starts_with("error: can't read"),
        "{}",
        stderr(&out)
    );

    let out = roster(&["check", "only-a-file"]);
    assert_eq!(code(&out), 1, "a usage error must not look like a deny");

    let org = scratch.demo();
    let out = roster(&["users", &org, "--limit", "100000"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).starts_with("error: --limit: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn apply_suspend_then_check_denies_as_not_active() {
    let scratch = Scratch::new("apply");
    let org = scratch.demo();
    let user = active_non_owner(&read_json(&org));
    let command = json!({ "command": "suspend_user", "user_id": user }).to_string();
    let command = scratch.write("suspend.json", &command);
    let after = arg(&scratch.path("after.json"));
    let now = "2026-12-03T18:33:59Z";

    let out = roster(&[
        "apply", &org, &command, "--actor", "system", "--now", now, "--out", &after,
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let outcome = json_of(&out);
    assert_eq!(outcome["events"][0]["command"], "suspend_user");
    assert_eq!(outcome["events"][0]["target_id"], user.as_str());
    assert_eq!(outcome["events"][0]["at"], now);
    assert_eq!(outcome["events"][0]["after"]["status"], "suspended");

    let check = roster(&["check", &after, &user, "users:read", "--json"]);
    assert_eq!(code(&check), 2);
    let reasons = json_of(&check)["deny_reasons"].clone();
    let not_active = json!({ "reason": "not_active", "status": "suspended" });
    assert!(
        reasons.as_array().is_some_and(|r| r.contains(&not_active)),
        "{reasons}"
    );
    let text = stdout(&roster(&["check", &after, &user, "users:read"]));
    assert!(text.contains("not active: the user is suspended"), "{text}");

    // The input is untouched, and a second suspension is refused with its code.
    let before = roster(&["check", &org, &user, "users:read"]);
    assert_eq!(code(&before), 0, "{}", stdout(&before));
    let again = roster(&["apply", &after, &command, "--actor", "system", "--now", now]);
    assert_eq!(code(&again), 1);
    assert!(
        stderr(&again).starts_with("error: invalid_transition: "),
        "{}",
        stderr(&again)
    );
}

#[test]
fn apply_refuses_an_actor_without_the_permission() {
    let scratch = Scratch::new("apply-forbidden");
    let org = scratch.demo();
    let command = r#"{"command": "set_seats_purchased", "seats": 500}"#;
    let out = roster_with_stdin(&["apply", &org, "-", "--actor", "usr_nobody"], command);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).starts_with("error: unknown_actor: "),
        "{}",
        stderr(&out)
    );

    let out = roster_with_stdin(
        &["apply", &org, "-", "--actor", "system"],
        "{\"command\": 1}",
    );
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).starts_with("error: invalid_field: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn export_csv_quotes_commas_and_defuses_formulas() {
    let scratch = Scratch::new("export-csv");
    let mut doc = read_json(&scratch.demo());
    doc["users"][1]["name"] = json!("Hopper, Grace \"Amazing\"");
    doc["users"][2]["name"] = json!("=HYPERLINK(\"http://evil.example\")");
    let org = scratch.write("named.json", &doc.to_string());

    let out = roster(&["export", &org, "--format", "csv"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let csv = stdout(&out);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "id,email,name,status,seat,roles,groups,last_active_at"
    );
    assert_eq!(lines.len(), 21, "a header and 20 users");
    let id1 = doc["users"][1]["id"].as_str().expect("id");
    let email1 = doc["users"][1]["email"].as_str().expect("email");
    let expected = format!("{id1},{email1},\"Hopper, Grace \"\"Amazing\"\"\",");
    assert!(lines[2].starts_with(&expected), "{}", lines[2]);
    assert!(
        lines[3].contains(",\"'=HYPERLINK(\"\"http://evil.example\"\")\","),
        "{}",
        lines[3]
    );
}

#[test]
fn import_of_export_equals_export() {
    let scratch = Scratch::new("round-trip");
    let org = scratch.demo();
    let export = roster(&["export", &org]);
    assert_eq!(code(&export), 0, "{}", stderr(&export));
    let exported = stdout(&export);

    let import = roster_with_stdin(&["import", "-"], &exported);
    assert_eq!(code(&import), 0, "{}", stderr(&import));
    assert_eq!(stdout(&import), exported);

    // A compact, reordered document imports to the same canonical form.
    let compact = read_json(&org).to_string();
    let import = roster_with_stdin(&["import", "-"], &compact);
    assert_eq!(stdout(&import), exported);
}

#[test]
fn the_compact_form_reads_back_as_the_same_org() {
    let scratch = Scratch::new("compact");
    let org = scratch.demo();
    let binary = roster(&["export", &org, "--format", "compact"]);
    assert_eq!(code(&binary), 0, "{}", stderr(&binary));
    assert!(binary.stdout.starts_with(b"RSTR"));
    let json = std::fs::metadata(&org).map(|m| m.len()).unwrap_or(0);
    assert!(
        (binary.stdout.len() as u64) * 2 < json,
        "{} bytes",
        binary.stdout.len()
    );
    let path = scratch.path("org.bin");
    std::fs::write(&path, &binary.stdout).expect("write the compact document");
    let from_compact = roster(&["import", &arg(&path)]);
    assert_eq!(code(&from_compact), 0, "{}", stderr(&from_compact));
    assert_eq!(stdout(&from_compact), stdout(&roster(&["export", &org])));
    // Cut short, it is refused with a reason rather than read in part.
    std::fs::write(&path, &binary.stdout[..binary.stdout.len() / 2]).expect("write");
    let refused = roster(&["seats", &arg(&path)]);
    assert_eq!(code(&refused), 1);
    assert!(
        stderr(&refused).contains("ends early"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn permissions_and_holders_agree() {
    let scratch = Scratch::new("permissions");
    let org = scratch.demo();

    let out = roster(&["permissions", &org, "usr_00000", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let listed = json_of(&out);
    let keys: Vec<&str> = listed["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p["key"].as_str())
        .collect();
    assert!(keys.contains(&"billing:manage"), "{keys:?}");
    let create = listed["permissions"].as_array().and_then(|ps| {
        ps.iter()
            .find(|p| p["key"] == "projects:create")
            .map(|p| p["needs_seat"].clone())
    });
    assert_eq!(create, Some(json!(true)));

    let text = stdout(&roster(&["permissions", &org, "usr_00000"]));
    assert!(text
        .lines()
        .any(|l| l.starts_with("projects:create") && l.ends_with("(needs a seat)")));
    assert!(text.lines().any(|l| l == "users:read"), "{text}");

    let holders = stdout(&roster(&["holders", &org, "billing:manage"]));
    assert!(
        holders.lines().any(|l| l == "usr_00000  ada@example.com"),
        "{holders}"
    );
    let out = roster(&["holders", &org, "rockets:launch"]);
    assert_eq!(code(&out), 1);
}

#[test]
fn users_pages_through_everyone_once() {
    let scratch = Scratch::new("users");
    let org = scratch.demo();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let mut args = vec!["users", org.as_str(), "--sort", "email", "--limit", "7"];
        if let Some(c) = &cursor {
            args.extend(["--cursor", c.as_str()]);
        }
        let out = roster(&args);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("ID"), "{text}");
        let rows = &lines[1..lines.len() - 1];
        seen.extend(
            rows.iter()
                .filter_map(|r| r.split_whitespace().next())
                .map(str::to_owned),
        );
        let last = lines[lines.len() - 1];
        assert!(last.contains("of 20 users"), "{last}");
        cursor = last.split_once("next cursor: ").map(|(_, c)| c.to_owned());
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 20);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 20, "no user twice: {seen:?}");

    let out = roster(&["users", &org, "--status", "deactivated", "--seat", "true"]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).ends_with("0 of 0 users\n"), "{}", stdout(&out));
}

#[test]
fn seats_match_the_document() {
    let scratch = Scratch::new("seats");
    let org = scratch.demo();
    let doc = read_json(&org);
    let held = doc["users"]
        .as_array()
        .map_or(0, |u| u.iter().filter(|u| u["seat"] == true).count());
    let text = stdout(&roster(&["seats", &org]));
    assert!(text.contains("purchased  16\n"), "{text}");
    assert!(text.contains(&format!("held       {held}\n")), "{text}");
    assert!(
        text.contains(&format!("free       {}\n", 16 - held)),
        "{text}"
    );
}
