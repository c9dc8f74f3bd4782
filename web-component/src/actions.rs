//! The changes the element can make: which ones a viewer may take on a row, and each one as
//! the engine commands it runs locally and the API requests that make it real.
//!
//! The engine decides both: a button is shown only when the viewer holds the permission the
//! command needs, and a change is tried on a copy of the org before it is sent, so a refusal
//! the server would give is shown without a round trip.

use roster_engine::text::{DeviceId, InvitationId, RoleKey, UserId};
use roster_engine::{Command, InvitationState, InviteSpec, KeySet, Org, Status, User};

/// One change a viewer asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Invite people.
    Invite(Vec<InviteSpec>),
    /// Give and take directly held roles.
    SetRoles {
        user: UserId,
        assign: Vec<RoleKey>,
        unassign: Vec<RoleKey>,
    },
    AssignSeat(UserId),
    UnassignSeat(UserId),
    Suspend(UserId),
    Reactivate(UserId),
    Deactivate(UserId),
    ResendInvitation {
        user: UserId,
        invitation: InvitationId,
    },
    RevokeInvitation {
        user: UserId,
        invitation: InvitationId,
    },
    RevokeDevice {
        user: UserId,
        device: DeviceId,
    },
}

/// An API call: method, path under the org, JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    /// The body as JSON text.
    pub body: Option<String>,
}

/// What an action is about: a user, a device, or the invited emails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    One(&'a str),
    Many(Vec<&'a str>),
}

/// `text` as a JSON string. The element writes its few request bodies by hand: a JSON
/// library would be most of its `.wasm` for three shapes of object.
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let n = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[n >> 4]));
                out.push(char::from(HEX[n & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Keys as a JSON array of strings.
fn json_keys<K: AsRef<str> + Ord>(keys: &KeySet<K>) -> String {
    let items: Vec<String> = keys.iter().map(|k| json_string(k.as_ref())).collect();
    format!("[{}]", items.join(","))
}

/// The body of `POST /invitations`.
fn invite_body(specs: &[InviteSpec]) -> String {
    let one = |s: &InviteSpec| {
        let email = json_string(s.email.as_str());
        let (roles, groups) = (json_keys(&s.roles), json_keys(&s.groups));
        format!("{{\"email\":{email},\"roles\":{roles},\"groups\":{groups}}}")
    };
    let items: Vec<String> = specs.iter().map(one).collect();
    format!("{{\"invitations\":[{}]}}", items.join(","))
}

impl Action {
    /// The action's name in events, toasts and `data-action` attributes.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Invite(_) => "invite",
            Action::SetRoles { .. } => "roles",
            Action::AssignSeat(_) => "assign_seat",
            Action::UnassignSeat(_) => "unassign_seat",
            Action::Suspend(_) => "suspend",
            Action::Reactivate(_) => "reactivate",
            Action::Deactivate(_) => "deactivate",
            Action::ResendInvitation { .. } => "resend_invitation",
            Action::RevokeInvitation { .. } => "revoke_invitation",
            Action::RevokeDevice { .. } => "revoke_device",
        }
    }

    /// What the action is about, for the change event: a user id, a device id, or the
    /// invited emails.
    pub fn target(&self) -> Target<'_> {
        match self {
            Action::Invite(specs) => Target::Many(specs.iter().map(|s| s.email.as_str()).collect()),
            Action::RevokeDevice { device, .. } => Target::One(device.as_str()),
            _ => Target::One(self.user().map_or("", UserId::as_str)),
        }
    }

    /// The user the action is about, if one.
    pub fn user(&self) -> Option<&UserId> {
        match self {
            Action::Invite(_) => None,
            Action::SetRoles { user, .. }
            | Action::AssignSeat(user)
            | Action::UnassignSeat(user)
            | Action::Suspend(user)
            | Action::Reactivate(user)
            | Action::Deactivate(user)
            | Action::ResendInvitation { user, .. }
            | Action::RevokeInvitation { user, .. }
            | Action::RevokeDevice { user, .. } => Some(user),
        }
    }

    /// Whether the viewer is asked to confirm first.
    pub fn is_destructive(&self) -> bool {
        is_destructive(self.name())
    }

    /// The engine commands, in order, and the request that makes each one on the server.
    pub fn steps(&self) -> Vec<(Command, Request)> {
        let user_path = |user: &UserId, rest: &str| format!("/users/{}{rest}", user.as_str());
        let one = |command: Command, method, path: String, body: Option<String>| {
            vec![(command, Request { method, path, body })]
        };
        match self.clone() {
            Action::Invite(invitations) => {
                let body = invite_body(&invitations);
                let command = Command::Invite {
                    invitations,
                    expires_in_days: None,
                };
                one(command, "POST", "/invitations".into(), Some(body))
            }
            Action::SetRoles {
                user,
                assign,
                unassign,
            } => {
                let give = assign.into_iter().map(|role| {
                    let path = user_path(&user, &format!("/roles/{}", role.as_str()));
                    let user_id = user.clone();
                    (
                        Command::AssignRole { user_id, role },
                        Request {
                            method: "PUT",
                            path,
                            body: None,
                        },
                    )
                });
                let take = unassign.into_iter().map(|role| {
                    let path = user_path(&user, &format!("/roles/{}", role.as_str()));
                    let user_id = user.clone();
                    let command = Command::UnassignRole { user_id, role };
                    (
                        command,
                        Request {
                            method: "DELETE",
                            path,
                            body: None,
                        },
                    )
                });
                // Giving first: taking a role first could drop a permission needed to give.
                give.chain(take).collect()
            }
            Action::AssignSeat(user_id) => {
                let path = user_path(&user_id, "/seat");
                one(Command::AssignSeat { user_id }, "PUT", path, None)
            }
            Action::UnassignSeat(user_id) => {
                let path = user_path(&user_id, "/seat");
                one(Command::UnassignSeat { user_id }, "DELETE", path, None)
            }
            Action::Suspend(user_id) => {
                let path = user_path(&user_id, "");
                let body = Some(r#"{"status":"suspended"}"#.to_owned());
                one(Command::SuspendUser { user_id }, "PATCH", path, body)
            }
            Action::Reactivate(user_id) => {
                let path = user_path(&user_id, "");
                let body = Some(r#"{"status":"active"}"#.to_owned());
                one(Command::ReactivateUser { user_id }, "PATCH", path, body)
            }
            Action::Deactivate(user_id) => {
                let path = user_path(&user_id, "");
                one(Command::DeactivateUser { user_id }, "DELETE", path, None)
            }
            Action::ResendInvitation { invitation, .. } => {
                let path = format!("/invitations/{}/resend", invitation.as_str());
                let command = Command::ResendInvitation {
                    invitation_id: invitation,
                };
                one(command, "POST", path, None)
            }
            Action::RevokeInvitation { invitation, .. } => {
                let path = format!("/invitations/{}/revoke", invitation.as_str());
                let command = Command::RevokeInvitation {
                    invitation_id: invitation,
                };
                one(command, "POST", path, None)
            }
            Action::RevokeDevice { device, .. } => {
                let path = format!("/devices/{}/revoke", device.as_str());
                one(
                    Command::RevokeDevice { device_id: device },
                    "POST",
                    path,
                    None,
                )
            }
        }
    }
}

/// Whether the action named `name` takes something away, and so is confirmed first.
pub fn is_destructive(name: &str) -> bool {
    matches!(
        name,
        "unassign_seat" | "suspend" | "deactivate" | "revoke_invitation" | "revoke_device"
    )
}

/// The pending invitation of an invited user.
pub fn pending_invitation<'o>(org: &'o Org, user: &User) -> Option<&'o InvitationId> {
    org.invitations()
        .find(|i| i.user_id == user.id && i.state == InvitationState::Pending)
        .map(|i| &i.id)
}

/// The row actions `viewer` may take on `user`, by name, in the order they are shown. `may`
/// says whether the viewer holds a permission now (see [`Org::effective_permissions`]), and
/// `pending` whether the user has an invitation waiting.
///
/// Each needs the permission of its command and a status the command accepts; the engine
/// still has the last word when the action runs (the last owner, escalation, seats left).
pub fn row_actions(
    may: &dyn Fn(&str) -> bool,
    viewer: &str,
    user: &User,
    pending: bool,
) -> Vec<&'static str> {
    let mut actions = Vec::new();
    match user.status {
        Status::Invited => {
            if pending && may("invitations:create") {
                actions.push("resend_invitation");
            }
            if pending && may("invitations:revoke") {
                actions.push("revoke_invitation");
            }
        }
        Status::Active | Status::Suspended => {
            if may("roles:assign") && may("roles:read") {
                actions.push("roles");
            }
            if user.status == Status::Active && may("seats:assign") {
                actions.push(if user.seat {
                    "unassign_seat"
                } else {
                    "assign_seat"
                });
            }
            if may("users:suspend") && user.id.as_str() != viewer {
                actions.push(if user.status == Status::Active {
                    "suspend"
                } else {
                    "reactivate"
                });
            }
            if may("users:deactivate") && user.id.as_str() != viewer {
                actions.push("deactivate");
            }
        }
        Status::Deactivated => {}
    }
    // Anyone active may see their own devices; a suspended viewer sees nothing to act on.
    let own = user.id.as_str() == viewer && user.status == Status::Active;
    let member = matches!(user.status, Status::Active | Status::Suspended);
    if member && (own || may("devices:read")) {
        actions.push("devices");
    }
    actions
}

/// The action a row button names, for actions that need nothing more than the row.
pub fn simple_action(org: &Org, name: &str, user: &User) -> Option<Action> {
    let id = user.id.clone();
    Some(match name {
        "assign_seat" => Action::AssignSeat(id),
        "unassign_seat" => Action::UnassignSeat(id),
        "suspend" => Action::Suspend(id),
        "reactivate" => Action::Reactivate(id),
        "deactivate" => Action::Deactivate(id),
        "resend_invitation" => Action::ResendInvitation {
            invitation: pending_invitation(org, user)?.clone(),
            user: id,
        },
        "revoke_invitation" => Action::RevokeInvitation {
            invitation: pending_invitation(org, user)?.clone(),
            user: id,
        },
        _ => return None,
    })
}
