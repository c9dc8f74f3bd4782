//! Every command rule and error, on the small fixture org.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    missing_docs,
    reason = "tests fail loudly"
)]

mod support;

use roster_engine::{CommandError, InvitationState, Note, Status};
use serde_json::json;
use support::fixture::{now, ok, org, refused, run_at, DONALD_TOKEN};

fn status(org: &roster_engine::Org, user: &str) -> Status {
    org.user(user).unwrap().status
}

// --- Who may act ---

#[test]
fn unknown_and_inactive_actors_are_refused() {
    let mut org = org();
    let cmd = json!({"command": "suspend_user", "user_id": "usr_member"});
    let e = refused(&mut org, "usr_ghost", cmd.clone());
    assert_eq!(
        e,
        CommandError::UnknownActor {
            actor: "usr_ghost".into()
        }
    );
    let e = refused(&mut org, "usr_suspended", cmd.clone());
    assert_eq!(e.code(), "actor_not_active");
    assert!(e.to_string().contains("suspended"), "{e}");
    let e = refused(&mut org, "usr_invited", cmd);
    assert_eq!(e.code(), "actor_not_active");
}

#[test]
fn an_actor_needs_the_commands_permission() {
    let mut org = org();
    let e = refused(
        &mut org,
        "usr_member",
        json!({"command": "suspend_user", "user_id": "usr_noseat"}),
    );
    assert_eq!(
        e,
        CommandError::Forbidden {
            actor: "usr_member".into(),
            permission: "users:suspend"
        }
    );
    assert_eq!(
        e.to_string(),
        "`usr_member` lacks the permission `users:suspend`"
    );
    // Permission through a group counts: support passes the permission check, and is then
    // stopped only because the target holds permissions support doesn't.
    let e = refused(
        &mut org,
        "usr_support",
        json!({"command": "suspend_user", "user_id": "usr_noseat"}),
    );
    assert_eq!(e.code(), "escalation");
}

// --- Invitations ---

#[test]
fn inviting_creates_invited_users_and_returns_each_token_once() {
    let mut org = org();
    let outcome = ok(
        &mut org,
        "usr_admin",
        json!({"command": "invite", "invitations": [
            {"email": "Niklaus@Example.com", "roles": ["analyst"], "groups": ["engineering"]},
            {"email": "radia@example.com"}
        ]}),
    );
    assert_eq!(outcome.tokens.len(), 2);
    assert_eq!(outcome.tokens[0].email.as_str(), "niklaus@example.com");
    assert_eq!(
        outcome.events.len(),
        4,
        "a user and an invitation per person"
    );
    let user = org.user_by_email("niklaus@example.com").unwrap();
    assert_eq!(user.status, Status::Invited);
    assert!(user.roles.is_empty() && !user.seat);
    let invitation = org
        .invitation(outcome.tokens[0].invitation_id.as_str())
        .unwrap();
    assert_eq!(invitation.expires_at, now().plus_days(7));
    assert_eq!(
        invitation.invited_by.as_ref().map(|u| u.as_str()),
        Some("usr_admin")
    );
    // The token is stored only as its hash and appears in no event.
    let events = serde_json::to_string(&outcome.events).unwrap();
    for token in &outcome.tokens {
        assert!(!events.contains(&token.token));
        assert!(!org.to_json().contains(&token.token));
    }
    assert!(!events.contains("token_hash"));
}

#[test]
fn an_email_cant_be_invited_twice_or_while_a_member() {
    let mut org = org();
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "invite", "invitations": [{"email": "alan@example.com"}]}),
    );
    assert_eq!(
        e,
        CommandError::EmailTaken {
            email: "alan@example.com".into(),
            status: Status::Active
        }
    );
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "invite", "invitations": [{"email": "DONALD@example.com"}]}),
    );
    assert!(e.to_string().contains("resend"), "{e}");
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "invite",
               "invitations": [{"email": "x@example.com"}, {"email": "X@example.com"}]}),
    );
    assert_eq!(e.field(), Some("invitations[1].email"));
}

#[test]
fn a_batch_is_all_or_nothing() {
    let mut org = org();
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "invite",
               "invitations": [{"email": "new@example.com"}, {"email": "ken@example.com"}]}),
    );
    assert_eq!(e.code(), "email_taken");
    assert!(org.user_by_email("new@example.com").is_none());
}

#[test]
fn a_deactivated_user_can_be_invited_back_under_the_same_id() {
    let mut org = org();
    let outcome = ok(
        &mut org,
        "usr_admin",
        json!({"command": "invite", "invitations": [{"email": "frances@example.com"}]}),
    );
    assert_eq!(status(&org, "usr_deact"), Status::Invited);
    assert!(
        org.user("usr_deact").unwrap().roles.is_empty(),
        "old roles don't come back"
    );
    let invitation = org
        .invitation(outcome.tokens[0].invitation_id.as_str())
        .unwrap();
    assert_eq!(invitation.user_id.as_str(), "usr_deact");
    // Revoking sends them back to deactivated rather than deleting their record.
    let id = invitation.id.to_string();
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "revoke_invitation", "invitation_id": id}),
    );
    assert_eq!(status(&org, "usr_deact"), Status::Deactivated);
}

#[test]
fn invitations_check_roles_groups_expiry_and_escalation() {
    let mut org = org();
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "invite",
               "invitations": [{"email": "a@example.com", "roles": ["wizard"]}]}),
    );
    assert_eq!(e.field(), Some("invitations[0].roles"));
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "invite",
               "invitations": [{"email": "a@example.com", "groups": ["nowhere"]}]}),
    );
    assert_eq!(e.field(), Some("invitations[0].groups"));
    for days in [0, 31] {
        let e = refused(
            &mut org,
            "usr_admin",
            json!({"command": "invite", "expires_in_days": days,
                   "invitations": [{"email": "a@example.com"}]}),
        );
        assert_eq!(e.field(), Some("expires_in_days"));
    }
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "invite", "invitations": []}),
    );
    assert_eq!(e.field(), Some("invitations"));
    // An admin lacks billing:manage, so can't invite an owner.
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "invite",
               "invitations": [{"email": "a@example.com", "roles": ["owner"]}]}),
    );
    assert_eq!(
        e,
        CommandError::Escalation {
            missing: vec!["billing:manage".into()]
        }
    );
    let many: Vec<_> = (0..101)
        .map(|i| json!({"email": format!("p{i}@example.com")}))
        .collect();
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "invite", "invitations": many}),
    );
    assert_eq!(e.code(), "too_many");
    let e = refused(
        &mut org,
        "usr_member",
        json!({"command": "invite", "invitations": [{"email": "a@example.com"}]}),
    );
    assert_eq!(e.code(), "forbidden");
}

#[test]
fn accepting_activates_grants_and_takes_a_free_seat_once() {
    let mut org = org();
    let outcome = ok(
        &mut org,
        "system",
        json!({"command": "accept_invitation", "token": DONALD_TOKEN, "name": "Donald Knuth"}),
    );
    let donald = org.user("usr_invited").unwrap();
    assert_eq!(donald.status, Status::Active);
    assert_eq!(
        donald.name.as_ref().map(|n| n.as_str()),
        Some("Donald Knuth")
    );
    assert!(donald.seat, "3 of 4 seats were held");
    assert!(donald.groups.contains("engineering") && donald.roles.contains("member"));
    assert_eq!(donald.joined_at, Some(now()));
    assert_eq!(
        org.invitation("inv_donald").unwrap().state,
        InvitationState::Accepted
    );
    assert!(outcome
        .events
        .iter()
        .all(|e| e.actor == roster_engine::Actor::User("usr_invited".try_into().unwrap())));
    assert!(org.is_allowed("usr_invited", "reports:export"));
    let e = refused(
        &mut org,
        "system",
        json!({"command": "accept_invitation", "token": DONALD_TOKEN}),
    );
    assert_eq!(e.code(), "invitation_not_pending");
    assert!(e.to_string().contains("already accepted"), "{e}");
}

#[test]
fn accepting_without_a_free_seat_joins_without_one_and_says_so() {
    let mut org = org();
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "assign_seat", "user_id": "usr_noseat"}),
    );
    let outcome = ok(
        &mut org,
        "system",
        json!({"command": "accept_invitation", "token": DONALD_TOKEN}),
    );
    assert_eq!(status(&org, "usr_invited"), Status::Active);
    assert!(!org.user("usr_invited").unwrap().seat);
    assert_eq!(
        outcome.notes,
        vec![Note::NoSeatFree {
            user_id: "usr_invited".try_into().unwrap()
        }]
    );
}

#[test]
fn accepting_takes_no_seat_when_the_org_says_not_to() {
    let mut org = org();
    ok(
        &mut org,
        "usr_owner",
        json!({"command": "update_org",
               "settings": {"seat_on_accept": false, "invitation_days": 7}}),
    );
    ok(
        &mut org,
        "system",
        json!({"command": "accept_invitation", "token": DONALD_TOKEN}),
    );
    assert!(!org.user("usr_invited").unwrap().seat);
}

#[test]
fn bad_and_expired_tokens_are_refused() {
    let mut org = org();
    for token in ["", "nope", &"x".repeat(300)] {
        let e = refused(
            &mut org,
            "system",
            json!({"command": "accept_invitation", "token": token}),
        );
        assert_eq!(e, CommandError::InvalidToken);
    }
    let later = roster_engine::Timestamp::parse("2026-11-08T09:00:00Z").unwrap();
    let before = org.clone();
    let e = run_at(
        &mut org,
        "system",
        later,
        json!({"command": "accept_invitation", "token": DONALD_TOKEN}),
    )
    .unwrap_err();
    assert_eq!(
        e,
        CommandError::InvitationNotPending {
            invitation_id: "inv_donald".into(),
            state: InvitationState::Expired
        }
    );
    assert_eq!(org, before);
}

#[test]
fn resending_rotates_the_token_and_extends_the_expiry() {
    let mut org = org();
    let later = roster_engine::Timestamp::parse("2026-11-20T00:00:00Z").unwrap();
    let outcome = run_at(
        &mut org,
        "usr_admin",
        later,
        json!({"command": "resend_invitation", "invitation_id": "inv_donald"}),
    )
    .unwrap();
    let token = &outcome.tokens[0];
    assert_eq!(token.expires_at, later.plus_days(7));
    let invitation = org.invitation("inv_donald").unwrap();
    assert_eq!(invitation.sends, 2);
    assert_eq!(
        invitation.state_at(later),
        InvitationState::Pending,
        "an expired invitation revives"
    );
    let e = run_at(
        &mut org,
        "system",
        later,
        json!({"command": "accept_invitation", "token": DONALD_TOKEN}),
    )
    .unwrap_err();
    assert_eq!(e, CommandError::InvalidToken, "the old token stops working");
    run_at(
        &mut org,
        "system",
        later,
        json!({"command": "accept_invitation", "token": token.token}),
    )
    .unwrap();
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "resend_invitation", "invitation_id": "inv_donald"}),
    );
    assert_eq!(e.code(), "invitation_not_pending");
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "resend_invitation", "invitation_id": "inv_nope"}),
    );
    assert_eq!(
        e,
        CommandError::NotFound {
            kind: "invitation",
            id: "inv_nope".into()
        }
    );
}

#[test]
fn revoking_removes_a_never_joined_user_and_kills_the_token() {
    let mut org = org();
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "revoke_invitation", "invitation_id": "inv_donald"}),
    );
    assert!(org.user("usr_invited").is_none());
    assert!(org.user_by_email("donald@example.com").is_none());
    assert_eq!(
        org.invitation("inv_donald").unwrap().state,
        InvitationState::Revoked
    );
    let e = refused(
        &mut org,
        "system",
        json!({"command": "accept_invitation", "token": DONALD_TOKEN}),
    );
    assert_eq!(e.code(), "invitation_not_pending");
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "revoke_invitation", "invitation_id": "inv_donald"}),
    );
    assert_eq!(e.code(), "invitation_not_pending");
    // The email is free again.
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "invite", "invitations": [{"email": "donald@example.com"}]}),
    );
}

// --- Status ---

#[test]
fn suspending_frees_the_seat_and_denies_checks_until_reactivated() {
    let mut org = org();
    assert!(org.is_allowed("usr_member", "reports:export"));
    let outcome = ok(
        &mut org,
        "usr_admin",
        json!({"command": "suspend_user", "user_id": "usr_member"}),
    );
    let event = &outcome.events[0];
    assert_eq!(event.command, "suspend_user");
    assert_eq!(event.before.as_ref().unwrap()["status"], "active");
    assert_eq!(event.after.as_ref().unwrap()["status"], "suspended");
    assert_eq!(event.after.as_ref().unwrap()["seat"], false);
    assert!(!org.is_allowed("usr_member", "reports:export"));
    assert_eq!(org.seat_usage().held, 2);
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "reactivate_user", "user_id": "usr_member"}),
    );
    assert_eq!(status(&org, "usr_member"), Status::Active);
    assert!(
        !org.user("usr_member").unwrap().seat,
        "a seat is not given back by itself"
    );
    assert!(org.is_allowed("usr_member", "users:read"));
}

#[test]
fn status_moves_follow_the_state_machine() {
    let mut org = org();
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "suspend_user", "user_id": "usr_suspended"}),
    );
    assert_eq!(
        e,
        CommandError::InvalidTransition {
            user_id: "usr_suspended".into(),
            from: Status::Suspended,
            action: "suspend"
        }
    );
    assert_eq!(
        e.to_string(),
        "can't suspend user `usr_suspended`: they are suspended"
    );
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "reactivate_user", "user_id": "usr_member"}),
    );
    assert_eq!(e.code(), "invalid_transition");
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "suspend_user", "user_id": "usr_invited"}),
    );
    assert_eq!(e.code(), "invalid_transition");
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "deactivate_user", "user_id": "usr_deact"}),
    );
    assert_eq!(e.code(), "invalid_transition");
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "suspend_user", "user_id": "usr_admin"}),
    );
    assert_eq!(e, CommandError::SelfAction { action: "suspend" });
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "suspend_user", "user_id": "usr_nobody"}),
    );
    assert_eq!(e.code(), "not_found");
}

#[test]
fn nobody_suspends_someone_more_powerful() {
    let mut org = org();
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "suspend_user", "user_id": "usr_owner"}),
    );
    assert_eq!(
        e,
        CommandError::Escalation {
            missing: vec!["billing:manage".into()]
        }
    );
    let e = refused(
        &mut org,
        "usr_support",
        json!({"command": "suspend_user", "user_id": "usr_admin"}),
    );
    assert_eq!(e.code(), "escalation");
}

#[test]
fn deactivating_ends_membership_frees_the_seat_and_revokes_devices() {
    let mut org = org();
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "deactivate_user", "user_id": "usr_member"}),
    );
    let user = org.user("usr_member").unwrap();
    assert_eq!(user.status, Status::Deactivated);
    assert!(!user.seat);
    assert_eq!(
        org.device("dev_alan_laptop").unwrap().revoked_at,
        Some(now())
    );
    // Deactivating an invited user revokes their invitation.
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "deactivate_user", "user_id": "usr_invited"}),
    );
    assert_eq!(
        org.invitation("inv_donald").unwrap().state,
        InvitationState::Revoked
    );
    assert_eq!(status(&org, "usr_invited"), Status::Deactivated);
    // Leaving the org needs no permission.
    ok(
        &mut org,
        "usr_noseat",
        json!({"command": "deactivate_user", "user_id": "usr_noseat"}),
    );
}

#[test]
fn the_last_owner_cant_be_removed_by_anyone() {
    let mut org = org();
    let e = refused(
        &mut org,
        "usr_owner",
        json!({"command": "deactivate_user", "user_id": "usr_owner"}),
    );
    assert_eq!(e, CommandError::LastOwner);
    let e = refused(
        &mut org,
        "usr_owner",
        json!({"command": "unassign_role", "user_id": "usr_owner", "role": "owner"}),
    );
    assert_eq!(e, CommandError::LastOwner);
    // The invariant binds the system too.
    let e = refused(
        &mut org,
        "system",
        json!({"command": "suspend_user", "user_id": "usr_owner"}),
    );
    assert_eq!(e, CommandError::LastOwner);
    // With a second owner (through a group), the first may go.
    ok(
        &mut org,
        "usr_owner",
        json!({"command": "create_group", "key": "owners", "name": "Owners", "roles": ["owner"]}),
    );
    ok(
        &mut org,
        "usr_owner",
        json!({"command": "add_group_member", "group": "owners", "user_id": "usr_admin"}),
    );
    ok(
        &mut org,
        "usr_owner",
        json!({"command": "deactivate_user", "user_id": "usr_owner"}),
    );
    // Now the group holds the last owner: emptying or deleting it is refused.
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "delete_group", "key": "owners"}),
    );
    assert_eq!(e, CommandError::LastOwner);
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "update_group", "key": "owners", "roles": []}),
    );
    assert_eq!(e, CommandError::LastOwner);
}

#[test]
fn users_update_themselves_and_others_need_permission() {
    let mut org = org();
    ok(
        &mut org,
        "usr_member",
        json!({"command": "update_user", "user_id": "usr_member", "name": "A. M. Turing",
               "settings": {"locale": "en-GB", "time_zone": "Europe/London"}}),
    );
    let user = org.user("usr_member").unwrap();
    assert_eq!(user.name.as_ref().unwrap().as_str(), "A. M. Turing");
    assert_eq!(
        user.settings.time_zone.as_ref().unwrap().as_str(),
        "Europe/London"
    );
    let e = refused(
        &mut org,
        "usr_member",
        json!({"command": "update_user", "user_id": "usr_admin", "name": "Hacked"}),
    );
    assert_eq!(
        e,
        CommandError::Forbidden {
            actor: "usr_member".into(),
            permission: "users:update"
        }
    );
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "update_user", "user_id": "usr_member", "name": "Alan"}),
    );
    let outcome = ok(
        &mut org,
        "usr_member",
        json!({"command": "record_activity", "user_id": "usr_member"}),
    );
    assert_eq!(outcome.events.len(), 1);
    assert_eq!(org.user("usr_member").unwrap().last_active_at, Some(now()));
}

// --- Roles ---

#[test]
fn roles_are_assigned_only_by_those_who_hold_their_permissions() {
    let mut org = org();
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "assign_role", "user_id": "usr_noseat", "role": "analyst"}),
    );
    assert!(org.user("usr_noseat").unwrap().roles.contains("analyst"));
    let again = ok(
        &mut org,
        "usr_admin",
        json!({"command": "assign_role", "user_id": "usr_noseat", "role": "analyst"}),
    );
    assert!(
        again.events.is_empty(),
        "assigning a held role changes nothing"
    );
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "assign_role", "user_id": "usr_noseat", "role": "owner"}),
    );
    assert_eq!(
        e,
        CommandError::Escalation {
            missing: vec!["billing:manage".into()]
        }
    );
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "assign_role", "user_id": "usr_noseat", "role": "wizard"}),
    );
    assert_eq!(
        e,
        CommandError::NotFound {
            kind: "role",
            id: "wizard".into()
        }
    );
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "assign_role", "user_id": "usr_deact", "role": "member"}),
    );
    assert_eq!(e.code(), "invalid_transition");
    let e = refused(
        &mut org,
        "usr_support",
        json!({"command": "assign_role", "user_id": "usr_noseat", "role": "member"}),
    );
    assert_eq!(e.code(), "forbidden");
    ok(
        &mut org,
        "usr_owner",
        json!({"command": "assign_role", "user_id": "usr_admin", "role": "owner"}),
    );
    let e = refused(
        &mut org,
        "usr_support",
        json!({"command": "unassign_role", "user_id": "usr_admin", "role": "owner"}),
    );
    assert_eq!(e.code(), "forbidden");
}

#[test]
fn custom_roles_are_made_from_the_catalog_and_within_the_actors_reach() {
    let mut org = org();
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "create_role", "key": "auditor", "name": "Auditor",
               "permissions": ["audit:read", "users:read"]}),
    );
    assert!(org.role_exists("auditor"));
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "create_role", "key": "auditor", "name": "Again", "permissions": []}),
    );
    assert_eq!(
        e,
        CommandError::AlreadyExists {
            kind: "role",
            id: "auditor".into()
        }
    );
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "create_role", "key": "admin", "name": "Mine", "permissions": []}),
    );
    assert_eq!(
        e,
        CommandError::BuiltinRole {
            role: "admin".into()
        }
    );
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "create_role", "key": "x", "name": "X", "permissions": ["made:up"]}),
    );
    assert_eq!(e.field(), Some("permissions"));
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "create_role", "key": "payer", "name": "Payer",
               "permissions": ["billing:manage"]}),
    );
    assert_eq!(e.code(), "escalation");
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "update_role", "key": "member", "name": "Changed"}),
    );
    assert_eq!(e.code(), "builtin_role");
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "update_role", "key": "auditor", "permissions": ["audit:read"]}),
    );
    assert_eq!(org.role_permissions("auditor").unwrap().len(), 1);
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "update_role", "key": "auditor", "permissions": ["billing:manage"]}),
    );
    assert_eq!(e.code(), "escalation");
}

#[test]
fn deleting_a_role_takes_it_from_users_groups_and_invitations() {
    let mut org = org();
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "assign_role", "user_id": "usr_noseat", "role": "analyst"}),
    );
    let outcome = ok(
        &mut org,
        "usr_admin",
        json!({"command": "delete_role", "key": "analyst"}),
    );
    assert!(!org.role_exists("analyst"));
    assert!(!org.user("usr_noseat").unwrap().roles.contains("analyst"));
    assert!(!org.group("platform").unwrap().roles.contains("analyst"));
    let kinds: Vec<_> = outcome
        .events
        .iter()
        .map(|e| (e.target_kind, e.target_id.as_str()))
        .collect();
    assert!(
        kinds.contains(&(roster_engine::command::TargetKind::Role, "analyst")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(roster_engine::command::TargetKind::Group, "platform")),
        "{kinds:?}"
    );
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "delete_role", "key": "owner"}),
    );
    assert_eq!(e.code(), "builtin_role");
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "delete_role", "key": "analyst"}),
    );
    assert_eq!(e.code(), "not_found");
}

// --- Groups ---

#[test]
fn group_parents_refuse_cycles_and_depth_past_the_bound() {
    let mut org = org();
    let e = refused(
        &mut org,
        "usr_owner",
        json!({"command": "update_group", "key": "company", "parents": ["platform"]}),
    );
    assert_eq!(e.code(), "group_cycle");
    let e = refused(
        &mut org,
        "usr_owner",
        json!({"command": "update_group", "key": "company", "parents": ["company"]}),
    );
    assert_eq!(e.code(), "group_cycle");
    // company <- engineering <- platform is three deep; five more reach eight, a sixth fails.
    let mut parent = "platform".to_owned();
    for level in 4..=8 {
        let key = format!("level-{level}");
        ok(
            &mut org,
            "usr_owner",
            json!({"command": "create_group", "key": key, "name": key, "parents": [parent]}),
        );
        parent = key;
    }
    let e = refused(
        &mut org,
        "usr_owner",
        json!({"command": "create_group", "key": "level-9", "name": "Too deep",
               "parents": [parent]}),
    );
    assert_eq!(
        e,
        CommandError::GroupTooDeep {
            group: "level-9".into(),
            max: 8
        }
    );
    let e = refused(
        &mut org,
        "usr_owner",
        json!({"command": "create_group", "key": "x", "name": "X", "parents": ["nowhere"]}),
    );
    assert_eq!(e.field(), Some("parents"));
    let e = refused(
        &mut org,
        "usr_owner",
        json!({"command": "create_group", "key": "company", "name": "Again"}),
    );
    assert_eq!(e.code(), "already_exists");
}

#[test]
fn group_membership_is_changed_only_within_the_actors_reach() {
    let mut org = org();
    ok(
        &mut org,
        "usr_owner",
        json!({"command": "create_group", "key": "owners", "name": "Owners", "roles": ["owner"]}),
    );
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "add_group_member", "group": "owners", "user_id": "usr_admin"}),
    );
    assert_eq!(
        e,
        CommandError::Escalation {
            missing: vec!["billing:manage".into()]
        }
    );
    // Giving a group a parent it can't reach is escalation too.
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "update_group", "key": "helpdesk", "parents": ["owners"]}),
    );
    assert_eq!(e.code(), "escalation");
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "add_group_member", "group": "platform", "user_id": "usr_noseat"}),
    );
    assert!(org.user("usr_noseat").unwrap().groups.contains("platform"));
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "remove_group_member", "group": "platform", "user_id": "usr_noseat"}),
    );
    assert!(!org.user("usr_noseat").unwrap().groups.contains("platform"));
    let e = refused(
        &mut org,
        "usr_member",
        json!({"command": "add_group_member", "group": "platform", "user_id": "usr_noseat"}),
    );
    assert_eq!(e.code(), "forbidden");
}

#[test]
fn deleting_a_group_removes_memberships_parent_links_and_invitation_grants() {
    let mut org = org();
    ok(
        &mut org,
        "usr_owner",
        json!({"command": "delete_group", "key": "engineering"}),
    );
    assert!(org.group("engineering").is_none());
    assert!(org.user("usr_noseat").unwrap().groups.is_empty());
    assert!(org.group("platform").unwrap().parents.is_empty());
    assert!(org.invitation("inv_donald").unwrap().groups.is_empty());
    assert!(!org.is_allowed("usr_noseat", "users:read"));
    roster_engine::Org::from_document(org.to_document()).expect("still a valid org");
}

// --- Devices ---

#[test]
fn devices_are_registered_by_their_user_and_revoked_by_them_or_an_admin() {
    let mut org = org();
    let outcome = ok(
        &mut org,
        "usr_noseat",
        json!({"command": "register_device", "user_id": "usr_noseat", "name": "Laptop",
               "platform": "desktop", "os": "Linux"}),
    );
    let id = outcome
        .events
        .iter()
        .find(|e| e.target_kind == roster_engine::command::TargetKind::Device)
        .unwrap()
        .target_id
        .clone();
    assert!(id.starts_with("dev_"));
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "register_device", "user_id": "usr_noseat", "name": "Sneaky",
               "platform": "web", "os": "Linux"}),
    );
    assert_eq!(e.code(), "not_yours");
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "record_device_seen", "device_id": id}),
    );
    assert_eq!(
        e,
        CommandError::NotYours {
            kind: "device",
            id: id.clone()
        }
    );
    ok(
        &mut org,
        "usr_noseat",
        json!({"command": "record_device_seen", "device_id": id}),
    );
    let e = refused(
        &mut org,
        "usr_member",
        json!({"command": "revoke_device", "device_id": id}),
    );
    assert_eq!(e.code(), "forbidden");
    ok(
        &mut org,
        "usr_support",
        json!({"command": "revoke_device", "device_id": id}),
    );
    let e = refused(
        &mut org,
        "usr_noseat",
        json!({"command": "record_device_seen", "device_id": id}),
    );
    assert_eq!(e.code(), "device_revoked");
    let e = refused(
        &mut org,
        "usr_noseat",
        json!({"command": "revoke_device", "device_id": id}),
    );
    assert_eq!(e.code(), "device_revoked");
    ok(
        &mut org,
        "usr_member",
        json!({"command": "revoke_device", "device_id": "dev_alan_laptop"}),
    );
    let e = refused(
        &mut org,
        "usr_invited",
        json!({"command": "register_device", "user_id": "usr_invited", "name": "P",
               "platform": "web", "os": "X"}),
    );
    assert_eq!(e.code(), "actor_not_active");
}

// --- Seats ---

#[test]
fn seats_are_never_assigned_past_the_purchased_count() {
    let mut org = org();
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "assign_seat", "user_id": "usr_noseat"}),
    );
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "assign_seat", "user_id": "usr_support"}),
    );
    assert_eq!(
        e,
        CommandError::SeatsExhausted {
            purchased: 4,
            held: 4
        }
    );
    assert_eq!(
        e.to_string(),
        "no free seat: 4 of 4 purchased seats are held; free one or buy more"
    );
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "assign_seat", "user_id": "usr_suspended"}),
    );
    assert_eq!(e.code(), "invalid_transition");
    let again = ok(
        &mut org,
        "usr_admin",
        json!({"command": "assign_seat", "user_id": "usr_noseat"}),
    );
    assert!(again.events.is_empty());
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "unassign_seat", "user_id": "usr_member"}),
    );
    ok(
        &mut org,
        "usr_admin",
        json!({"command": "assign_seat", "user_id": "usr_support"}),
    );
    assert_eq!(
        org.seat_usage(),
        roster_engine::SeatUsage {
            purchased: 4,
            held: 4,
            free: 0
        }
    );
}

#[test]
fn the_purchased_count_cant_drop_below_the_seats_held() {
    let mut org = org();
    let e = refused(
        &mut org,
        "usr_billing",
        json!({"command": "set_seats_purchased", "seats": 2}),
    );
    assert_eq!(
        e,
        CommandError::SeatsBelowHeld {
            requested: 2,
            held: 3
        }
    );
    assert_eq!(
        e.to_string(),
        "can't set 2 purchased seats while 3 are held: free 1 first"
    );
    let e = refused(
        &mut org,
        "usr_admin",
        json!({"command": "set_seats_purchased", "seats": 10}),
    );
    assert_eq!(e.code(), "forbidden");
    let e = refused(
        &mut org,
        "usr_billing",
        json!({"command": "set_seats_purchased", "seats": 1_000_001}),
    );
    assert_eq!(e.field(), Some("seats"));
    let outcome = ok(
        &mut org,
        "system",
        json!({"command": "set_seats_purchased", "seats": 3}),
    );
    assert_eq!(
        outcome.events[0].after.as_ref().unwrap()["seats_purchased"],
        3
    );
    ok(
        &mut org,
        "usr_billing",
        json!({"command": "set_seats_purchased", "seats": 40}),
    );
    assert_eq!(org.seat_usage().free, 37);
}

#[test]
fn org_settings_are_checked() {
    let mut org = org();
    let e = refused(
        &mut org,
        "usr_owner",
        json!({"command": "update_org",
               "settings": {"seat_on_accept": true, "invitation_days": 0}}),
    );
    assert_eq!(e.field(), Some("settings.invitation_days"));
    ok(
        &mut org,
        "usr_owner",
        json!({"command": "update_org", "name": "Acme Ltd"}),
    );
    assert_eq!(org.name().as_str(), "Acme Ltd");
    let e = refused(
        &mut org,
        "usr_member",
        json!({"command": "update_org", "name": "Mine"}),
    );
    assert_eq!(e.code(), "forbidden");
}

// --- Bad commands ---

#[test]
fn malformed_commands_name_the_field_at_fault() {
    use roster_engine::Command;
    let cases = [
        (r#"{"command": "fly"}"#, "command"),
        (r#"{"command": "suspend_user"}"#, "."),
        (r#"{"user_id": "usr_1"}"#, "command"),
        (r#"{"command": 3}"#, "command"),
        (r#"{"command": "suspend_user", "user_id": 7}"#, "user_id"),
        (
            r#"{"command": "suspend_user", "user_id": "u 1"}"#,
            "user_id",
        ),
        (
            r#"{"command": "suspend_user", "user_id": "usr_1", "extra": true}"#,
            "extra",
        ),
        (
            r#"{"command": "update_user", "user_id": "usr_1", "name": "<b>x</b>"}"#,
            "name",
        ),
        (
            r#"{"command": "update_user", "user_id": "usr_1", "name": "a\u0000b"}"#,
            "name",
        ),
        (
            r#"{"command": "invite", "invitations": [{"email": "nope"}]}"#,
            "invitations[0].email",
        ),
        (
            r#"{"command": "set_seats_purchased", "seats": -1}"#,
            "seats",
        ),
        (
            r#"{"command": "set_seats_purchased", "seats": 1e99}"#,
            "seats",
        ),
        ("[1, 2", "."),
        ("", "."),
    ];
    for (text, path) in cases {
        match Command::from_json(text) {
            Ok(cmd) => panic!("{text} parsed as {cmd:?}"),
            Err(CommandError::InvalidField { field, reason }) => {
                let expected = if path == "." { "command" } else { path };
                assert!(
                    field == expected || (path == "." && !reason.is_empty()),
                    "{text}: field `{field}` ({reason}), expected `{expected}`"
                );
            }
            Err(other) => panic!("{text}: unexpected {other:?}"),
        }
    }
}
