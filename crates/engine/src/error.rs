//! Why a command was refused.
//!
//! Every variant names the value at fault, so the API can return a problem body a person can
//! act on and the element can show the message beside the right field.

use std::fmt;

use crate::model::{InvitationState, Status};
use crate::text::ValueError;
use crate::token::EntropyError;

/// A command the engine refused. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandError {
    /// The acting user does not exist.
    UnknownActor {
        /// The actor's id.
        actor: String,
    },
    /// The acting user is not active, so may do nothing.
    ActorNotActive {
        /// The actor's id.
        actor: String,
        /// Their status.
        status: Status,
    },
    /// The actor lacks the permission the command needs.
    Forbidden {
        /// The actor's id.
        actor: String,
        /// The permission they lack.
        permission: &'static str,
    },
    /// The command only applies to the actor's own records.
    NotYours {
        /// What was touched, e.g. `device`.
        kind: &'static str,
        /// Its id.
        id: String,
    },
    /// The command would let someone hold permissions the actor doesn't hold.
    Escalation {
        /// The permissions the actor lacks, sorted.
        missing: Vec<String>,
    },
    /// Something the command names doesn't exist.
    NotFound {
        /// What kind of thing, e.g. `user`, `role`, `group`.
        kind: &'static str,
        /// Its id or key.
        id: String,
    },
    /// Something the command would create already exists.
    AlreadyExists {
        /// What kind of thing.
        kind: &'static str,
        /// Its id or key.
        id: String,
    },
    /// The email belongs to a user who is already invited or a member.
    EmailTaken {
        /// The email.
        email: String,
        /// That user's status.
        status: Status,
    },
    /// The user's status doesn't allow this move.
    InvalidTransition {
        /// The user.
        user_id: String,
        /// Their status.
        from: Status,
        /// The attempted move, e.g. `suspend`.
        action: &'static str,
    },
    /// The command would leave the org without an active owner.
    LastOwner,
    /// No seat is free.
    SeatsExhausted {
        /// Seats bought.
        purchased: u32,
        /// Seats held.
        held: u32,
    },
    /// The purchased count can't go below the seats held.
    SeatsBelowHeld {
        /// The count asked for.
        requested: u32,
        /// Seats held now.
        held: u32,
    },
    /// The invitation is not pending.
    InvitationNotPending {
        /// The invitation.
        invitation_id: String,
        /// Its state.
        state: InvitationState,
    },
    /// No pending invitation has this token (it is wrong, used, or revoked).
    InvalidToken,
    /// The device was revoked.
    DeviceRevoked {
        /// The device.
        device_id: String,
    },
    /// Built-in roles can't be changed or deleted.
    BuiltinRole {
        /// The role.
        role: String,
    },
    /// The group's parents would form a cycle.
    GroupCycle {
        /// A group on the cycle.
        group: String,
    },
    /// A chain of parent groups would be longer than allowed.
    GroupTooDeep {
        /// The group at the bottom of the chain.
        group: String,
        /// The most allowed.
        max: usize,
    },
    /// A list or count is past its bound.
    TooMany {
        /// What is counted, e.g. `roles per user`.
        what: &'static str,
        /// The bound.
        max: usize,
    },
    /// A field's value is invalid.
    InvalidValue {
        /// The field, e.g. `invitations[2].email`.
        field: String,
        /// Why.
        error: ValueError,
    },
    /// A field's value is outside its allowed range or otherwise unusable.
    InvalidField {
        /// The field.
        field: String,
        /// Why, e.g. `must be 1 to 30`.
        reason: String,
    },
    /// The actor tried to suspend or otherwise act on themselves where that is not allowed.
    SelfAction {
        /// The attempted move.
        action: &'static str,
    },
    /// The platform's randomness failed.
    Entropy(EntropyError),
}

impl CommandError {
    /// A stable machine-readable code, which the API maps to an HTTP status.
    pub fn code(&self) -> &'static str {
        match self {
            CommandError::UnknownActor { .. } => "unknown_actor",
            CommandError::ActorNotActive { .. } => "actor_not_active",
            CommandError::Forbidden { .. } => "forbidden",
            CommandError::NotYours { .. } => "not_yours",
            CommandError::Escalation { .. } => "escalation",
            CommandError::NotFound { .. } => "not_found",
            CommandError::AlreadyExists { .. } => "already_exists",
            CommandError::EmailTaken { .. } => "email_taken",
            CommandError::InvalidTransition { .. } => "invalid_transition",
            CommandError::LastOwner => "last_owner",
            CommandError::SeatsExhausted { .. } => "seats_exhausted",
            CommandError::SeatsBelowHeld { .. } => "seats_below_held",
            CommandError::InvitationNotPending { .. } => "invitation_not_pending",
            CommandError::InvalidToken => "invalid_token",
            CommandError::DeviceRevoked { .. } => "device_revoked",
            CommandError::BuiltinRole { .. } => "builtin_role",
            CommandError::GroupCycle { .. } => "group_cycle",
            CommandError::GroupTooDeep { .. } => "group_too_deep",
            CommandError::TooMany { .. } => "too_many",
            CommandError::InvalidValue { .. } => "invalid_value",
            CommandError::InvalidField { .. } => "invalid_field",
            CommandError::SelfAction { .. } => "self_action",
            CommandError::Entropy(_) => "entropy",
        }
    }

    /// The request field at fault, where there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            CommandError::InvalidValue { field, .. } | CommandError::InvalidField { field, .. } => {
                Some(field)
            }
            _ => None,
        }
    }

    pub(crate) fn not_found(kind: &'static str, id: impl Into<String>) -> CommandError {
        CommandError::NotFound {
            kind,
            id: id.into(),
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::UnknownActor { actor } => write!(f, "unknown acting user `{actor}`"),
            CommandError::ActorNotActive { actor, status } => {
                write!(
                    f,
                    "acting user `{actor}` is {} and may do nothing",
                    status.as_str()
                )
            }
            CommandError::Forbidden { actor, permission } => {
                write!(f, "`{actor}` lacks the permission `{permission}`")
            }
            CommandError::NotYours { kind, id } => {
                write!(f, "{kind} `{id}` belongs to another user")
            }
            CommandError::Escalation { missing } => write!(
                f,
                "no escalation: this would change who holds `{}`, which the actor does not hold",
                missing.join("`, `")
            ),
            CommandError::NotFound { kind, id } => write!(f, "no {kind} `{id}`"),
            CommandError::AlreadyExists { kind, id } => write!(f, "{kind} `{id}` already exists"),
            CommandError::EmailTaken { email, status } => match status {
                crate::model::Status::Invited => {
                    write!(
                        f,
                        "`{email}` is already invited: resend that invitation instead"
                    )
                }
                _ => write!(f, "`{email}` is already a member ({})", status.as_str()),
            },
            CommandError::InvalidTransition {
                user_id,
                from,
                action,
            } => {
                write!(
                    f,
                    "can't {action} user `{user_id}`: they are {}",
                    from.as_str()
                )
            }
            CommandError::LastOwner => f.write_str("the org must keep at least one active owner"),
            CommandError::SeatsExhausted { purchased, held } => write!(
                f,
                "no free seat: {held} of {purchased} purchased seats are held; free one or buy more"
            ),
            CommandError::SeatsBelowHeld { requested, held } => write!(
                f,
                "can't set {requested} purchased seats while {held} are held: free {} first",
                held.saturating_sub(*requested)
            ),
            CommandError::InvitationNotPending {
                invitation_id,
                state,
            } => {
                write!(f, "invitation `{invitation_id}` is {}", state_word(*state))
            }
            CommandError::InvalidToken => f.write_str(
                "this invitation link is not valid: it may be mistyped, used or revoked",
            ),
            CommandError::DeviceRevoked { device_id } => {
                write!(f, "device `{device_id}` was revoked")
            }
            CommandError::BuiltinRole { role } => {
                write!(
                    f,
                    "`{role}` is a built-in role and can't be changed or deleted"
                )
            }
            CommandError::GroupCycle { group } => {
                write!(f, "group `{group}` would be its own ancestor")
            }
            CommandError::GroupTooDeep { group, max } => {
                write!(
                    f,
                    "group `{group}` would sit below more than {max} levels of groups"
                )
            }
            CommandError::TooMany { what, max } => write!(f, "too many {what}: at most {max}"),
            CommandError::InvalidValue { field, error } => write!(f, "{field}: {error}"),
            CommandError::InvalidField { field, reason } => write!(f, "{field}: {reason}"),
            CommandError::SelfAction { action } => write!(f, "you can't {action} yourself"),
            CommandError::Entropy(e) => write!(f, "{e}"),
        }
    }
}

fn state_word(state: InvitationState) -> &'static str {
    match state {
        InvitationState::Pending => "pending",
        InvitationState::Accepted => "already accepted",
        InvitationState::Revoked => "revoked",
        InvitationState::Expired => "expired: resend it",
    }
}

impl std::error::Error for CommandError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CommandError::InvalidValue { error, .. } => Some(error),
            CommandError::Entropy(e) => Some(e),
            _ => None,
        }
    }
}

impl From<EntropyError> for CommandError {
    fn from(e: EntropyError) -> CommandError {
        CommandError::Entropy(e)
    }
}
