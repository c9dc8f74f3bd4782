//! Commands: every change to an org, who makes it, and what it changed.
//!
//! A command is applied with [`Org::execute`]. The engine checks the actor's permission and
//! every rule, makes the change, re-checks the org's invariants, and either returns the
//! changes as [`Event`]s or refuses with a [`CommandError`] and leaves the org exactly as it
//! was. The rules themselves live in [`crate::rules`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::CommandError;
use crate::model::{OrgSettings, UserSettings};
use crate::set::KeySet;
use crate::text::Description;
use crate::text::{
    DeviceId, Email, GroupKey, InvitationId, Label, Name, PermissionKey, RoleKey, UserId,
};
use crate::time::Timestamp;
use crate::token::Entropy;

/// Who makes a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// Roster itself or a trusted backend (billing updates, seeding, imports). Bound by every
    /// invariant but by no permission.
    System,
    /// A member of the org, who must be active and hold the command's permission.
    User(UserId),
}

impl Actor {
    /// The acting user's id, if a user acts.
    pub fn user_id(&self) -> Option<&UserId> {
        match self {
            Actor::System => None,
            Actor::User(id) => Some(id),
        }
    }
}

/// What a command runs with besides the org: who acts, when, and a source of randomness for
/// new ids and tokens.
pub struct Context<'e> {
    /// Who makes the change.
    pub actor: Actor,
    /// The current time (the engine has no clock).
    pub now: Timestamp,
    /// Randomness for ids and tokens.
    pub entropy: &'e mut dyn Entropy,
}

/// One person to invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteSpec {
    /// Their email address.
    pub email: Email,
    /// Roles they get on accepting.
    #[serde(default)]
    pub roles: KeySet<RoleKey>,
    /// Groups they join on accepting.
    #[serde(default)]
    pub groups: KeySet<GroupKey>,
}

/// A change to an org.
///
/// On the wire a command is one JSON object with a `command` tag beside its fields, e.g.
/// `{"command": "suspend_user", "user_id": "usr_1"}`: read it with [`Command::from_json`] or
/// [`Command::from_value`] and write it with [`Command::to_value`]. (The serde derive is
/// externally tagged so that a bad field is reported with its path, which serde can't do for
/// internally tagged enums.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Invite one or more people (all or none). Needs `invitations:create`.
    Invite {
        /// Whom to invite, at most [`crate::limits::INVITATIONS_PER_BATCH`].
        invitations: Vec<InviteSpec>,
        /// Days until the invitations expire; the org's setting when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_in_days: Option<u32>,
    },
    /// Send an invitation again with a new token and a new expiry. Needs `invitations:create`.
    ResendInvitation {
        /// The invitation.
        invitation_id: InvitationId,
    },
    /// Revoke a pending invitation. Needs `invitations:revoke`.
    RevokeInvitation {
        /// The invitation.
        invitation_id: InvitationId,
    },
    /// Accept an invitation with its token. Anyone holding the token may; the actor is
    /// ignored and the events name the new member.
    AcceptInvitation {
        /// The token from the invitation link.
        token: String,
        /// The name the new member chose.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<Name>,
    },
    /// Suspend an active user. Needs `users:suspend`.
    SuspendUser {
        /// The user.
        user_id: UserId,
    },
    /// Lift a suspension. Needs `users:suspend`.
    ReactivateUser {
        /// The user.
        user_id: UserId,
    },
    /// End a membership (or, for an invited user, revoke their invitation). Needs
    /// `users:deactivate`, except for leaving the org oneself.
    DeactivateUser {
        /// The user.
        user_id: UserId,
    },
    /// Change a user's name or settings. Needs `users:update` unless it is oneself.
    UpdateUser {
        /// The user.
        user_id: UserId,
        /// A new display name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<Name>,
        /// New settings (replacing the old ones).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        settings: Option<UserSettings>,
    },
    /// Note that a user did something now. Only the user themselves, or the system.
    RecordActivity {
        /// The user.
        user_id: UserId,
    },
    /// Give a user a role directly. Needs `roles:assign` and every permission of the role.
    AssignRole {
        /// The user.
        user_id: UserId,
        /// The role.
        role: RoleKey,
    },
    /// Take a directly held role away. Same needs as assigning.
    UnassignRole {
        /// The user.
        user_id: UserId,
        /// The role.
        role: RoleKey,
    },
    /// Create a custom role. Needs `roles:manage` and every permission it carries.
    CreateRole {
        /// Its key.
        key: RoleKey,
        /// Its display name.
        name: Name,
        /// What it is for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<Description>,
        /// Its permissions.
        permissions: KeySet<PermissionKey>,
    },
    /// Change a custom role. Needs `roles:manage` and every permission it had and will have.
    UpdateRole {
        /// Its key.
        key: RoleKey,
        /// A new display name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<Name>,
        /// A new description.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<Description>,
        /// The new permissions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        permissions: Option<KeySet<PermissionKey>>,
    },
    /// Delete a custom role, taking it from everyone. Needs `roles:manage` and its permissions.
    DeleteRole {
        /// Its key.
        key: RoleKey,
    },
    /// Create a group. Needs `groups:manage` and every permission it will grant.
    CreateGroup {
        /// Its key.
        key: GroupKey,
        /// Its display name.
        name: Name,
        /// What it is for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<Description>,
        /// Roles it grants its members.
        #[serde(default)]
        roles: KeySet<RoleKey>,
        /// Its parent groups.
        #[serde(default)]
        parents: KeySet<GroupKey>,
    },
    /// Change a group. Needs `groups:manage` and every permission it granted and will grant.
    UpdateGroup {
        /// Its key.
        key: GroupKey,
        /// A new display name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<Name>,
        /// A new description.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<Description>,
        /// The roles it grants.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        roles: Option<KeySet<RoleKey>>,
        /// Its parents.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parents: Option<KeySet<GroupKey>>,
    },
    /// Delete a group. Needs `groups:manage` and every permission it granted.
    DeleteGroup {
        /// Its key.
        key: GroupKey,
    },
    /// Add a user to a group. Needs `groups:manage` and every permission the group grants.
    AddGroupMember {
        /// The group.
        group: GroupKey,
        /// The user.
        user_id: UserId,
    },
    /// Take a user out of a group. Same needs as adding.
    RemoveGroupMember {
        /// The group.
        group: GroupKey,
        /// The user.
        user_id: UserId,
    },
    /// Record a device the user signed in from. Only the user themselves, or the system.
    RegisterDevice {
        /// The user.
        user_id: UserId,
        /// A name they recognise.
        name: Label,
        /// The platform.
        platform: Label,
        /// The operating system.
        os: Label,
    },
    /// Note that a device was seen now. Only its user, or the system.
    RecordDeviceSeen {
        /// The device.
        device_id: DeviceId,
    },
    /// Revoke a device. Its user may; others need `devices:revoke`.
    RevokeDevice {
        /// The device.
        device_id: DeviceId,
    },
    /// Give an active user a seat. Needs `seats:assign`.
    AssignSeat {
        /// The user.
        user_id: UserId,
    },
    /// Take a user's seat back. Needs `seats:assign`.
    UnassignSeat {
        /// The user.
        user_id: UserId,
    },
    /// Set the purchased seat count. Needs `billing:manage` (or the system: the billing side).
    SetSeatsPurchased {
        /// The new count.
        seats: u32,
    },
    /// Change the org's name or settings. Needs `org:manage`.
    UpdateOrg {
        /// A new display name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<Name>,
        /// New settings.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        settings: Option<OrgSettings>,
    },
}

impl Command {
    /// The command's name as written in its `command` tag and in events.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Invite { .. } => "invite",
            Command::ResendInvitation { .. } => "resend_invitation",
            Command::RevokeInvitation { .. } => "revoke_invitation",
            Command::AcceptInvitation { .. } => "accept_invitation",
            Command::SuspendUser { .. } => "suspend_user",
            Command::ReactivateUser { .. } => "reactivate_user",
            Command::DeactivateUser { .. } => "deactivate_user",
            Command::UpdateUser { .. } => "update_user",
            Command::RecordActivity { .. } => "record_activity",
            Command::AssignRole { .. } => "assign_role",
            Command::UnassignRole { .. } => "unassign_role",
            Command::CreateRole { .. } => "create_role",
            Command::UpdateRole { .. } => "update_role",
            Command::DeleteRole { .. } => "delete_role",
            Command::CreateGroup { .. } => "create_group",
            Command::UpdateGroup { .. } => "update_group",
            Command::DeleteGroup { .. } => "delete_group",
            Command::AddGroupMember { .. } => "add_group_member",
            Command::RemoveGroupMember { .. } => "remove_group_member",
            Command::RegisterDevice { .. } => "register_device",
            Command::RecordDeviceSeen { .. } => "record_device_seen",
            Command::RevokeDevice { .. } => "revoke_device",
            Command::AssignSeat { .. } => "assign_seat",
            Command::UnassignSeat { .. } => "unassign_seat",
            Command::SetSeatsPurchased { .. } => "set_seats_purchased",
            Command::UpdateOrg { .. } => "update_org",
        }
    }

    /// Reads a command from JSON text, naming the first bad field on failure.
    pub fn from_json(text: &str) -> Result<Command, CommandError> {
        let value: Value = serde_json::from_str(text).map_err(|e| CommandError::InvalidField {
            field: "command".into(),
            reason: format!("not valid JSON: {e}"),
        })?;
        Command::from_value(value)
    }

    /// Reads a command from a JSON value, naming the first bad field on failure.
    pub fn from_value(value: Value) -> Result<Command, CommandError> {
        let bad = |field: &str, reason: String| CommandError::InvalidField {
            field: field.into(),
            reason,
        };
        let Value::Object(mut fields) = value else {
            return Err(bad("command", "expected a JSON object".into()));
        };
        let name = match fields.remove("command") {
            Some(Value::String(name)) => name,
            Some(_) => return Err(bad("command", "must be a string".into())),
            None => return Err(bad("command", "missing: say which command to run".into())),
        };
        let mut wrapped = serde_json::Map::new();
        wrapped.insert(name.clone(), Value::Object(fields));
        #[cfg(feature = "field-paths")]
        return serde_path_to_error::deserialize(Value::Object(wrapped)).map_err(|e| {
            let path = e.path().to_string();
            let reason = crate::document::without_position(&e.into_inner().to_string());
            // Paths start at the command's name; the caller knows fields without it.
            let field = match path.strip_prefix(name.as_str()) {
                Some(rest) if rest.starts_with('.') => rest[1..].to_owned(),
                Some(rest) if rest.starts_with('[') => rest.to_owned(),
                _ if reason.starts_with("unknown variant") => "command".to_owned(),
                _ => match reason.strip_prefix("unknown field `") {
                    Some(rest) => rest.split('`').next().unwrap_or("command").to_owned(),
                    None => "command".to_owned(),
                },
            };
            bad(&field, reason)
        });
        // Without path tracking the whole command is at fault.
        #[cfg(not(feature = "field-paths"))]
        return serde_json::from_value(Value::Object(wrapped))
            .map_err(|e| bad("command", format!("{name}: {e}")));
    }

    /// The command as a JSON object with its `command` tag.
    pub fn to_value(&self) -> Value {
        let Ok(Value::Object(outer)) = serde_json::to_value(self) else {
            return Value::Null;
        };
        let Some((name, Value::Object(mut fields))) = outer.into_iter().next() else {
            return Value::Null;
        };
        fields.insert("command".into(), Value::String(name));
        Value::Object(fields)
    }
}

/// What kind of record an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// A user.
    User,
    /// An invitation.
    Invitation,
    /// A custom role.
    Role,
    /// A group.
    Group,
    /// A device.
    Device,
    /// The org itself (name, settings, seats purchased).
    Org,
}

/// One record a command changed: its state before and after (absent when created or deleted).
/// Invitation token hashes are left out; events are meant for an audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The command that made the change.
    pub command: String,
    /// Who made it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
    /// What kind of record changed.
    pub target_kind: TargetKind,
    /// Its id or key.
    pub target_id: String,
    /// Before the change; `None` when the command created it.
    pub before: Option<Value>,
    /// After the change; `None` when the command deleted it.
    pub after: Option<Value>,
}

/// A token to hand to an invited person, once. Only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedToken {
    /// The invitation.
    pub invitation_id: InvitationId,
    /// Where to send it.
    pub email: Email,
    /// The token itself.
    pub token: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// Something the caller should know about a command that succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum Note {
    /// The new member joined without a seat because none was free.
    NoSeatFree {
        /// The member.
        user_id: UserId,
    },
}

/// What a successful command did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Every record changed, in the order first touched.
    pub events: Vec<Event>,
    /// Invitation tokens to deliver (invite and resend only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<IssuedToken>,
    /// Anything else worth saying.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

/// The result of [`crate::model::Org::execute`].
pub type CommandResult = Result<Outcome, CommandError>;
