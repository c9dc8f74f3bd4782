//! The org and everything in it: users, invitations, custom roles, groups and devices.
//!
//! [`Org`] is the whole state of one organisation. Its fields are private so that every
//! change goes through a command ([`crate::command`]) or a checked import
//! ([`crate::document`]), which is how the invariants listed on [`Org`] stay true.

use serde::{Deserialize, Serialize};

use crate::catalog::ProductPermission;
use crate::map::SortedMap;
use crate::set::KeySet;
use crate::text::Description;
use crate::text::{
    DeviceId, Email, GroupKey, InvitationId, Label, Locale, Name, OrgId, PermissionKey, RoleKey,
    TimeZone, UserId,
};
use crate::time::Timestamp;
use crate::token::TokenHash;

/// Where a user stands in the org.
///
/// The allowed moves: `invited → active` (accepting), `active ⇄ suspended` (suspend,
/// reactivate), `active | suspended | invited → deactivated` (deactivate; for an invited
/// user that is revoking the invitation), and `deactivated → invited` (inviting them back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Invited and not yet accepted; holds nothing.
    Invited,
    /// A member in good standing; the only status that can hold a seat or be allowed anything.
    Active,
    /// Temporarily barred; keeps roles and groups but is allowed nothing and holds no seat.
    Suspended,
    /// No longer a member; kept for the record and can be invited back.
    Deactivated,
}

impl Status {
    /// Every status, in the order a user goes through them.
    pub const ALL: [Status; 4] = [
        Status::Invited,
        Status::Active,
        Status::Suspended,
        Status::Deactivated,
    ];

    /// The status as written in documents and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Invited => "invited",
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Deactivated => "deactivated",
        }
    }
}

/// A user's own settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSettings {
    /// The locale for dates, numbers and messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<Locale>,
    /// The time zone times are shown in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<TimeZone>,
}

/// A member of the org, in any status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The email address, unique in the org.
    pub email: Email,
    /// The display name; an invited user may not have one yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// Where the user stands.
    pub status: Status,
    /// Roles held directly (not through a group).
    #[serde(default, skip_serializing_if = "KeySet::is_empty")]
    pub roles: KeySet<RoleKey>,
    /// Groups the user belongs to directly.
    #[serde(default, skip_serializing_if = "KeySet::is_empty")]
    pub groups: KeySet<GroupKey>,
    /// Whether the user holds a seat.
    // INVARIANT: only an active user holds a seat (`seat` implies `status == Active`).
    #[serde(default)]
    pub seat: bool,
    /// The user's own settings.
    #[serde(default, skip_serializing_if = "is_default")]
    pub settings: UserSettings,
    /// When the user was first invited or added.
    pub created_at: Timestamp,
    /// When the user first became a member (accepted, or was added active).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined_at: Option<Timestamp>,
    /// When the user was last seen doing anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active_at: Option<Timestamp>,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// The stored state of an invitation. An invitation that is pending past its expiry is
/// reported as [`InvitationState::Expired`] by [`Invitation::state_at`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Waiting to be accepted.
    Pending,
    /// Accepted; the token can't be used again.
    Accepted,
    /// Revoked by an admin; the token can't be used.
    Revoked,
    /// Pending past its expiry. Never stored; only reported.
    Expired,
}

impl InvitationState {
    /// Every state, in declaration order.
    pub const ALL: [InvitationState; 4] = [
        InvitationState::Pending,
        InvitationState::Accepted,
        InvitationState::Revoked,
        InvitationState::Expired,
    ];
}

/// An invitation to join the org by email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invitation {
    /// The invitation's id.
    pub id: InvitationId,
    /// The invited user (created in status `invited` with the invitation). After a revoke,
    /// a user who never joined is removed and this id names no one.
    pub user_id: UserId,
    /// Where the invitation goes.
    pub email: Email,
    /// Roles the user gets on accepting.
    #[serde(default, skip_serializing_if = "KeySet::is_empty")]
    pub roles: KeySet<RoleKey>,
    /// Groups the user joins on accepting.
    #[serde(default, skip_serializing_if = "KeySet::is_empty")]
    pub groups: KeySet<GroupKey>,
    /// Who invited; absent when the system did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited_by: Option<UserId>,
    /// When it was first created.
    pub created_at: Timestamp,
    /// When the current token stops working.
    pub expires_at: Timestamp,
    /// How many times it was sent (1 at creation, plus resends).
    pub sends: u32,
    /// Pending, accepted or revoked (expired is derived from the time).
    pub state: InvitationState,
    /// The SHA-256 of the current token. The token itself is never stored.
    pub token_hash: TokenHash,
}

impl Invitation {
    /// The state as of `now`: a pending invitation at or past its expiry is expired.
    pub fn state_at(&self, now: Timestamp) -> InvitationState {
        match self.state {
            InvitationState::Pending if now >= self.expires_at => InvitationState::Expired,
            state => state,
        }
    }
}

/// A custom role: a named set of permissions from the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomRole {
    /// The role's key; never the key of a built-in role.
    pub key: RoleKey,
    /// The display name.
    pub name: Name,
    /// What the role is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    /// The permissions it grants.
    pub permissions: KeySet<PermissionKey>,
}

/// A group: its members get its roles and the roles of every ancestor group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// The group's key.
    pub key: GroupKey,
    /// The display name.
    pub name: Name,
    /// What the group is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    /// Roles granted to its members.
    #[serde(default, skip_serializing_if = "KeySet::is_empty")]
    pub roles: KeySet<RoleKey>,
    /// Groups whose roles this group's members also get.
    // INVARIANT: the parent links form no cycle, and no chain is longer than GROUP_DEPTH.
    #[serde(default, skip_serializing_if = "KeySet::is_empty")]
    pub parents: KeySet<GroupKey>,
}

/// A device seen for a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// The device's id.
    pub id: DeviceId,
    /// Whose device it is.
    pub user_id: UserId,
    /// A name the user recognises, e.g. "Ada's laptop".
    pub name: Label,
    /// The platform, e.g. "desktop", "ios", "web".
    pub platform: Label,
    /// The operating system, e.g. "macOS 15".
    pub os: Label,
    /// When it was first seen.
    pub first_seen_at: Timestamp,
    /// When it was last seen.
    pub last_seen_at: Timestamp,
    /// When it was revoked, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
}

/// Org-wide settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgSettings {
    /// Whether accepting an invitation takes a free seat automatically.
    #[serde(default = "yes")]
    pub seat_on_accept: bool,
    /// Days a new or resent invitation stays valid (1 to 30).
    #[serde(default = "default_invitation_days")]
    pub invitation_days: u32,
}

fn yes() -> bool {
    true
}

fn default_invitation_days() -> u32 {
    crate::limits::INVITATION_DAYS_DEFAULT
}

impl Default for OrgSettings {
    fn default() -> OrgSettings {
        OrgSettings {
            seat_on_accept: true,
            invitation_days: default_invitation_days(),
        }
    }
}

/// Seat usage: what the org bought and how much of it is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatUsage {
    /// Seats bought (set by the billing side).
    pub purchased: u32,
    /// Seats held by active users.
    pub held: u32,
    /// Seats left to assign.
    pub free: u32,
}

/// One organisation's whole state.
///
/// Invariants, kept by every command and checked by every import:
/// - every email is unique among the org's users;
/// - every role, group, user and permission a record names exists;
/// - only active users hold seats, and no more seats are held than were purchased;
/// - at least one active user holds the `owner` role (directly or through a group);
/// - group parent links form no cycle and no chain is longer than [`crate::limits::GROUP_DEPTH`];
/// - every invitation's user exists (a revoked one's may be gone), a pending invitation's user
///   is `invited`, and every invited user has exactly one pending invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub(crate) id: OrgId,
    pub(crate) name: Name,
    pub(crate) seats_purchased: u32,
    pub(crate) settings: OrgSettings,
    pub(crate) product_permissions: Vec<ProductPermission>,
    pub(crate) roles: SortedMap<RoleKey, CustomRole>,
    pub(crate) groups: SortedMap<GroupKey, Group>,
    pub(crate) users: SortedMap<UserId, User>,
    pub(crate) invitations: SortedMap<InvitationId, Invitation>,
    pub(crate) devices: SortedMap<DeviceId, Device>,
}

impl Org {
    /// The org's key.
    pub fn id(&self) -> &OrgId {
        &self.id
    }

    /// The org's display name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The org's settings.
    pub fn settings(&self) -> &OrgSettings {
        &self.settings
    }

    /// The permissions the host product declared.
    pub fn product_permissions(&self) -> &[ProductPermission] {
        &self.product_permissions
    }

    /// A user by id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.get(id)
    }

    /// A user by email (normalised before the lookup). A scan, not an index: an index would be
    /// built (and its emails copied) every time an org is loaded, far more often than anyone
    /// is looked up by email; an invitation batch looks all its people up in one scan.
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        let email = Email::new(email).ok()?;
        self.users.values().find(|u| u.email == email)
    }

    /// Every user, in id order.
    pub fn users(&self) -> impl ExactSizeIterator<Item = &User> {
        self.users.values()
    }

    /// An invitation by id.
    pub fn invitation(&self, id: &str) -> Option<&Invitation> {
        self.invitations.get(id)
    }

    /// Every invitation, in id order.
    pub fn invitations(&self) -> impl ExactSizeIterator<Item = &Invitation> {
        self.invitations.values()
    }

    /// A custom role by key.
    pub fn custom_role(&self, key: &str) -> Option<&CustomRole> {
        self.roles.get(key)
    }

    /// Every custom role, in key order.
    pub fn custom_roles(&self) -> impl ExactSizeIterator<Item = &CustomRole> {
        self.roles.values()
    }

    /// A group by key.
    pub fn group(&self, key: &str) -> Option<&Group> {
        self.groups.get(key)
    }

    /// Every group, in key order.
    pub fn groups(&self) -> impl ExactSizeIterator<Item = &Group> {
        self.groups.values()
    }

    /// A device by id.
    pub fn device(&self, id: &str) -> Option<&Device> {
        self.devices.get(id)
    }

    /// Every device, in id order.
    pub fn devices(&self) -> impl ExactSizeIterator<Item = &Device> {
        self.devices.values()
    }

    /// One user's devices, in id order.
    pub fn devices_of<'a>(&'a self, user: &'a str) -> impl Iterator<Item = &'a Device> + 'a {
        self.devices
            .values()
            .filter(move |d| d.user_id.as_str() == user)
    }

    /// The direct members of a group, in id order.
    pub fn members_of<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a User> + 'a {
        self.users
            .values()
            .filter(move |u| u.groups.contains(group))
    }

    /// Seats purchased, held and free.
    pub fn seat_usage(&self) -> SeatUsage {
        let held = self.seats_held();
        SeatUsage {
            purchased: self.seats_purchased,
            held,
            free: self.seats_purchased.saturating_sub(held),
        }
    }

    pub(crate) fn seats_held(&self) -> u32 {
        let held = self.users.values().filter(|u| u.seat).count();
        u32::try_from(held).unwrap_or(u32::MAX)
    }

    /// An org with its own fields and no records yet.
    pub(crate) fn empty(
        id: OrgId,
        name: Name,
        seats_purchased: u32,
        settings: OrgSettings,
        product_permissions: Vec<ProductPermission>,
    ) -> Org {
        Org {
            id,
            name,
            seats_purchased,
            settings,
            product_permissions,
            roles: SortedMap::new(),
            groups: SortedMap::new(),
            users: SortedMap::new(),
            invitations: SortedMap::new(),
            devices: SortedMap::new(),
        }
    }

    /// An empty org whose only member is `owner`, active, with the `owner` role and a seat
    /// if any were purchased. The starting point for a new org and for tests.
    pub fn new_with_owner(id: OrgId, name: Name, seats_purchased: u32, owner: User) -> Org {
        let mut owner = owner;
        owner.status = Status::Active;
        owner.roles.insert(RoleKey::trusted("owner"));
        owner.groups.clear();
        owner.seat = seats_purchased > 0;
        let seats_purchased = seats_purchased.min(crate::limits::SEATS_PURCHASED);
        let mut org = Org::empty(
            id,
            name,
            seats_purchased,
            OrgSettings::default(),
            Vec::new(),
        );
        org.users.insert(owner.id.clone(), owner);
        org
    }
}
