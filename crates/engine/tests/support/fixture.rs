//! The small org of `tests/vectors/basic.json` as a fixture, and helpers to run commands on it.

use roster_engine::{
    Actor, Command, CommandError, Context, Org, OrgDocument, Outcome, SeededEntropy, Timestamp,
};
use serde_json::Value;

/// A time within the fixture's invitation's validity.
pub fn now() -> Timestamp {
    Timestamp::parse("2026-11-02T10:00:00Z").unwrap()
}

/// The fixture org: owner, admin, members with and without seats, suspended, invited,
/// deactivated, support and billing users; nested groups; two custom roles.
pub fn org() -> Org {
    let vector: Value = serde_json::from_str(crate::support::vectors::VECTORS[0].1).unwrap();
    let doc: OrgDocument = serde_json::from_value(vector["org"].clone()).unwrap();
    Org::from_document(doc).unwrap()
}

/// The token of the fixture's pending invitation (its hash is in the document).
pub const DONALD_TOKEN: &str = "token-for-donald";

fn actor(name: &str) -> Actor {
    if name == "system" {
        Actor::System
    } else {
        Actor::User(name.try_into().unwrap())
    }
}

/// Runs a command given as JSON, as `who` (a user id or `system`), at `at`.
pub fn run_at(
    org: &mut Org,
    who: &str,
    at: Timestamp,
    command: Value,
) -> Result<Outcome, CommandError> {
    let command = Command::from_value(command).unwrap();
    let mut entropy = SeededEntropy::new(42);
    let mut ctx = Context {
        actor: actor(who),
        now: at,
        entropy: &mut entropy,
    };
    org.execute(&mut ctx, &command)
}

/// Runs a command at the fixture's `now`.
pub fn run(org: &mut Org, who: &str, command: Value) -> Result<Outcome, CommandError> {
    run_at(org, who, now(), command)
}

/// Runs a command that must succeed.
pub fn ok(org: &mut Org, who: &str, command: Value) -> Outcome {
    let name = command["command"].clone();
    run(org, who, command).unwrap_or_else(|e| panic!("{name} by {who} refused: {e}"))
}

/// Runs a command that must be refused, and checks that the org did not change at all.
pub fn refused(org: &mut Org, who: &str, command: Value) -> CommandError {
    let before = org.clone();
    let name = command["command"].clone();
    let error = match run(org, who, command) {
        Ok(outcome) => panic!("{name} by {who} was accepted: {:?}", outcome.events),
        Err(e) => e,
    };
    assert_eq!(*org, before, "refused {name} changed the org");
    error
}
