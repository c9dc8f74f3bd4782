//! The documented bound on every string and list the engine accepts.
//!
//! A value past its bound is refused with an error naming the field; nothing is truncated.
//! The API and the element show these same numbers to their users.

/// Most characters in a user's, role's, group's or org's display name.
pub const NAME_CHARS: usize = 100;
/// Most characters in a role's or group's description.
pub const DESCRIPTION_CHARS: usize = 500;
/// Most bytes in an email address (RFC 5321's path limit).
pub const EMAIL_BYTES: usize = 254;
/// Most bytes in the part of an email address before the `@`.
pub const EMAIL_LOCAL_BYTES: usize = 64;
/// Most bytes in a role, group or org key (`[a-z][a-z0-9_-]*`).
pub const KEY_BYTES: usize = 40;
/// Most bytes in each half of a permission key (`resource:action`).
pub const PERMISSION_PART_BYTES: usize = 32;
/// Most bytes in a generated or imported id of a user, invitation or device.
pub const ID_BYTES: usize = 64;
/// Most bytes in a locale tag such as `en-GB`.
pub const LOCALE_BYTES: usize = 35;
/// Most bytes in a time zone name such as `Europe/Paris`.
pub const TIME_ZONE_BYTES: usize = 64;
/// Most characters in a device's name, platform or operating system.
pub const LABEL_CHARS: usize = 100;

/// Most users (members in any status) in one org.
pub const USERS_PER_ORG: usize = 100_000;
/// Most invitations, of any state, kept in one org.
pub const INVITATIONS_PER_ORG: usize = 200_000;
/// Most groups in one org.
pub const GROUPS_PER_ORG: usize = 1_000;
/// Most custom roles in one org.
pub const CUSTOM_ROLES_PER_ORG: usize = 100;
/// Most permissions the host product may declare (besides the built-in ones).
pub const PRODUCT_PERMISSIONS: usize = 1_000;
/// Most permissions in one custom role.
pub const PERMISSIONS_PER_ROLE: usize = 1_024;
/// Most roles held directly by one user, or granted by one group or one invitation.
pub const ROLES_PER_HOLDER: usize = 20;
/// Most groups one user belongs to directly, or one invitation adds them to.
pub const GROUPS_PER_USER: usize = 50;
/// Most parents of one group.
pub const PARENTS_PER_GROUP: usize = 10;
/// Longest chain of groups from a member's group to the farthest ancestor, counting both.
pub const GROUP_DEPTH: usize = 8;
/// Most devices kept per user (revoked ones included).
pub const DEVICES_PER_USER: usize = 100;
/// Most invitations created by one command.
pub const INVITATIONS_PER_BATCH: usize = 100;
/// The purchased seat count can't exceed this.
pub const SEATS_PURCHASED: u32 = 1_000_000;
/// Fewest and most days an invitation may stay valid.
pub const INVITATION_DAYS: std::ops::RangeInclusive<u32> = 1..=30;
/// Days an invitation stays valid unless the org or the command says otherwise.
pub const INVITATION_DAYS_DEFAULT: u32 = 7;
/// Most users on one page of a listing.
pub const PAGE_SIZE: usize = 500;
/// Most characters in a listing's search text.
pub const SEARCH_CHARS: usize = 200;
