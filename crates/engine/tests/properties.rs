//! Property tests: random command sequences by random actors never break an invariant, a
//! refused command changes nothing, nobody gains a permission from an actor who lacks it,
//! and the compiled index always agrees with the reference evaluator.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    missing_docs,
    reason = "tests fail loudly"
)]

use std::collections::BTreeSet;

use proptest::prelude::*;
use roster_engine::{
    demo, AccessIndex, Actor, Command, Context, Org, SeededEntropy, Status, Timestamp,
};
use serde_json::{json, Value};

/// One step: which command, who acts, and indices that pick its arguments.
#[derive(Debug, Clone)]
struct Step {
    kind: u8,
    actor: u8,
    a: u8,
    b: u8,
    c: u8,
}

fn step() -> impl Strategy<Value = Step> {
    (0u8..23, any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()).prop_map(
        |(kind, actor, a, b, c)| Step {
            kind,
            actor,
            a,
            b,
            c,
        },
    )
}

fn pick<T: Clone>(items: &[T], i: u8) -> T {
    items[usize::from(i) % items.len()].clone()
}

/// Turns a step into a command on the current org. Indices past the lists pick ids that
/// don't exist, so refusals are exercised too.
fn command(org: &Org, step: &Step, tokens: &[String]) -> Value {
    let mut users: Vec<String> = org.users().map(|u| u.id.to_string()).collect();
    users.push("usr_ghost".into());
    let mut roles: Vec<String> = ["owner", "admin", "billing", "member", "viewer"]
        .iter()
        .map(|r| r.to_string())
        .chain(org.custom_roles().map(|r| r.key.to_string()))
        .collect();
    roles.push("wizard".into());
    let mut groups: Vec<String> = org.groups().map(|g| g.key.to_string()).collect();
    groups.push("nowhere".into());
    let mut invitations: Vec<String> = org.invitations().map(|i| i.id.to_string()).collect();
    invitations.push("inv_ghost".into());
    let mut devices: Vec<String> = org.devices().map(|d| d.id.to_string()).collect();
    devices.push("dev_ghost".into());
    let permissions: Vec<String> = org.permission_keys().map(str::to_owned).collect();
    let mut tokens = tokens.to_vec();
    tokens.push("not-a-token".into());

    let (a, b, c) = (step.a, step.b, step.c);
    let user = pick(&users, a);
    let role = pick(&roles, b);
    let group = pick(&groups, c);
    let perms: Vec<String> = (0..(a % 5))
        .map(|i| pick(&permissions, b.wrapping_add(i * 37)))
        .collect();
    match step.kind {
        0 => {
            let email = if a % 4 == 0 {
                org.user(&user)
                    .map_or("x@example.com".to_owned(), |u| u.email.to_string())
            } else {
                format!("p{a}@example.com")
            };
            let days = if b % 2 == 0 { json!(1) } else { Value::Null };
            json!({"command": "invite", "expires_in_days": days,
                   "invitations": [{"email": email, "roles": [role], "groups": [group]}]})
        }
        1 => json!({"command": "resend_invitation", "invitation_id": pick(&invitations, a)}),
        2 => json!({"command": "revoke_invitation", "invitation_id": pick(&invitations, a)}),
        3 => {
            json!({"command": "accept_invitation", "token": pick(&tokens, a), "name": "New Person"})
        }
        4 => json!({"command": "suspend_user", "user_id": user}),
        5 => json!({"command": "reactivate_user", "user_id": user}),
        6 => json!({"command": "deactivate_user", "user_id": user}),
        7 => json!({"command": "assign_role", "user_id": user, "role": role}),
        8 => json!({"command": "unassign_role", "user_id": user, "role": role}),
        9 => {
            json!({"command": "create_role", "key": format!("r{c}"), "name": "R",
                   "permissions": perms})
        }
        10 => json!({"command": "update_role", "key": role, "permissions": perms}),
        11 => json!({"command": "delete_role", "key": role}),
        12 => json!({"command": "create_group", "key": format!("g{a}"), "name": "G",
                     "roles": [role], "parents": [group]}),
        13 => json!({"command": "update_group", "key": group, "roles": [role],
                     "parents": [pick(&groups, a)]}),
        14 => json!({"command": "delete_group", "key": group}),
        15 => json!({"command": "add_group_member", "group": group, "user_id": user}),
        16 => json!({"command": "remove_group_member", "group": group, "user_id": user}),
        17 => {
            json!({"command": "register_device", "user_id": user, "name": "D", "platform": "web",
                   "os": "X"})
        }
        18 => json!({"command": "revoke_device", "device_id": pick(&devices, a)}),
        19 => json!({"command": "assign_seat", "user_id": user}),
        20 => json!({"command": "unassign_seat", "user_id": user}),
        21 => json!({"command": "set_seats_purchased", "seats": a % 15}),
        _ => json!({"command": "update_user", "user_id": user, "name": "Renamed"}),
    }
}

/// Actors: mostly the owners and the admin (so commands get through), sometimes the system,
/// sometimes anyone.
fn actor(org: &Org, i: u8) -> Actor {
    let users: Vec<_> = org.users().map(|u| u.id.clone()).collect();
    match i % 8 {
        0 => Actor::System,
        1 | 2 => Actor::User(users[0].clone()),
        3 => Actor::User(users[1].clone()),
        4 | 5 => Actor::User(users[2].clone()),
        _ => Actor::User(pick(&users, i / 8)),
    }
}

fn granted(org: &Org) -> Vec<(String, BTreeSet<String>)> {
    org.users()
        .map(|u| {
            (
                u.id.to_string(),
                org.granted_permissions(u)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            )
        })
        .collect()
}

fn assert_index_agrees(org: &Org) {
    let index = AccessIndex::build(org);
    let mut permissions: Vec<String> = org.permission_keys().map(str::to_owned).collect();
    permissions.push("nope:nope".into());
    let mut users: Vec<String> = org.users().map(|u| u.id.to_string()).collect();
    users.push("usr_ghost".into());
    for user in &users {
        for permission in &permissions {
            assert_eq!(
                index.check(user, permission),
                org.is_allowed(user, permission),
                "index and reference disagree on {user} {permission}"
            );
        }
    }
}

fn assert_invariants(org: &Org) {
    let usage = org.seat_usage();
    assert!(usage.held <= usage.purchased, "{usage:?}");
    for user in org.users() {
        assert!(
            !user.seat || user.status == Status::Active,
            "{} holds a seat while {:?}",
            user.id,
            user.status
        );
    }
    assert!(org.active_owners().next().is_some(), "no active owner left");
    // Every other invariant is what an import checks.
    if let Err(e) = Org::from_document(org.to_document()) {
        panic!("the org no longer imports: {e}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_commands_never_break_the_rules(
        seed in 0u64..1_000,
        steps in prop::collection::vec(step(), 1..40),
    ) {
        let mut org = demo::generate(&demo::DemoSpec::small(12, seed));
        let mut tokens: Vec<String> = Vec::new();
        let mut entropy = SeededEntropy::new(seed);
        let mut now = Timestamp::from_unix_seconds(1_796_000_000);
        assert_index_agrees(&org);
        for step in &steps {
            now = Timestamp::from_unix_seconds(now.unix_seconds() + 3_600);
            let value = command(&org, step, &tokens);
            let command = Command::from_value(value.clone()).expect("generated commands parse");
            let round_trip = Command::from_value(command.to_value());
            prop_assert_eq!(round_trip.as_ref(), Ok(&command));
            let actor = actor(&org, step.actor);
            let before = org.clone();
            let granted_before = granted(&org);
            let actor_held: Option<BTreeSet<String>> = actor.user_id().and_then(|id| {
                before.user(id.as_str()).map(|u| {
                    before.granted_permissions(u).into_iter().map(str::to_owned).collect()
                })
            });
            // Unrecorded, the same command on a copy, from the same entropy, ends the same.
            let mut unrecorded = org.clone();
            let mut same_entropy = entropy.clone();
            let mut copy_ctx = Context { actor: actor.clone(), now, entropy: &mut same_entropy };
            let copy_result = unrecorded.execute_unrecorded(&mut copy_ctx, &command);
            let mut ctx = Context { actor: actor.clone(), now, entropy: &mut entropy };
            let result = org.execute(&mut ctx, &command);
            prop_assert_eq!(copy_result.as_ref().err(), result.as_ref().err());
            prop_assert_eq!(&unrecorded, &org, "unrecorded and recorded runs differ");
            match result {
                Err(_) => prop_assert_eq!(&org, &before, "a refused command changed the org"),
                Ok(outcome) => {
                    tokens.extend(outcome.tokens.iter().map(|t| t.token.clone()));
                    assert_invariants(&org);
                    // Accepting grants what the inviter was checked for when inviting.
                    let accepting = matches!(command, Command::AcceptInvitation { .. });
                    if let (Some(held), false) = (&actor_held, accepting) {
                        let before: std::collections::BTreeMap<_, _> =
                            granted_before.into_iter().collect();
                        for (user, after) in granted(&org) {
                            let had = before.get(&user).cloned().unwrap_or_default();
                            for gained in after.difference(&had) {
                                prop_assert!(
                                    held.contains(gained),
                                    "{} gained `{}` from {:?} by an actor without it: {}",
                                    user, gained, actor, value
                                );
                            }
                        }
                    }
                    if outcome.events.is_empty() {
                        prop_assert_eq!(&org, &before, "a change without events");
                    }
                }
            }
            assert_index_agrees(&org);
        }
    }
}
