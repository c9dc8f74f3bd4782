//! The permission catalog and the built-in roles.
//!
//! Roster's own permissions manage the org (users, invitations, roles, groups, devices,
//! seats, billing, audit, settings) and never need a seat. The host product declares its own
//! permissions in the org document; those describe product features and by default need a
//! seat, because product access is what a seat buys.

use serde::{Deserialize, Serialize};

use crate::text::{Description, PermissionKey, RoleKey};

/// One of Roster's own permissions, with what it allows.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinPermission {
    /// The key, `resource:action`.
    pub key: &'static str,
    /// What holding it allows.
    pub description: &'static str,
}

macro_rules! builtin_permissions {
    ($($key:literal => $description:literal,)*) => {
        /// Roster's own permissions, in a fixed order.
        pub const BUILTIN_PERMISSIONS: &[BuiltinPermission] = &[
            $(BuiltinPermission { key: $key, description: $description },)*
        ];
    };
}

builtin_permissions! {
    "users:read" => "see the org's users, their roles, groups, seats and devices",
    "users:update" => "change other users' profiles and settings",
    "users:suspend" => "suspend and reactivate users",
    "users:deactivate" => "deactivate users, ending their membership",
    "invitations:read" => "see invitations",
    "invitations:create" => "invite people by email and resend invitations",
    "invitations:revoke" => "revoke pending invitations",
    "roles:read" => "see roles and their permissions",
    "roles:assign" => "assign and unassign roles (only roles whose permissions one holds)",
    "roles:manage" => "create, change and delete custom roles",
    "groups:read" => "see groups, their members, roles and parents",
    "groups:manage" => "create, change and delete groups and their members",
    "devices:read" => "see every user's devices",
    "devices:revoke" => "revoke any user's device",
    "seats:read" => "see seat usage",
    "seats:assign" => "assign and unassign seats",
    "billing:read" => "see the purchased seat count",
    "billing:manage" => "change the purchased seat count",
    "audit:read" => "read the audit log",
    "org:manage" => "change the org's name and settings",
    "api_keys:manage" => "create and revoke the org's API keys",
}

/// The built-in roles. Their permissions are fixed by Roster (see [`builtin_role_grants`]),
/// except that each product permission says which of `admin`, `member` and `viewer` get it
/// (`owner` gets every permission).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltinRole {
    /// Everything, including billing and managing other owners.
    Owner,
    /// Runs the org day to day: everything but billing changes.
    Admin,
    /// Sees and changes the purchased seat count and seat usage.
    Billing,
    /// Uses the product; sees the directory.
    Member,
    /// Reads the directory; gets product permissions only where the product says so.
    Viewer,
}

impl BuiltinRole {
    /// Every built-in role, most powerful first.
    pub const ALL: [BuiltinRole; 5] = [
        BuiltinRole::Owner,
        BuiltinRole::Admin,
        BuiltinRole::Billing,
        BuiltinRole::Member,
        BuiltinRole::Viewer,
    ];

    /// The role's key.
    pub fn key(self) -> &'static str {
        match self {
            BuiltinRole::Owner => "owner",
            BuiltinRole::Admin => "admin",
            BuiltinRole::Billing => "billing",
            BuiltinRole::Member => "member",
            BuiltinRole::Viewer => "viewer",
        }
    }

    /// The built-in role with this key, if any.
    pub fn from_key(key: &str) -> Option<BuiltinRole> {
        BuiltinRole::ALL.into_iter().find(|r| r.key() == key)
    }

    /// A one-line description for role listings.
    pub fn description(self) -> &'static str {
        match self {
            BuiltinRole::Owner => "full control, including billing and other owners",
            BuiltinRole::Admin => "manages users, invitations, roles, groups, devices and seats",
            BuiltinRole::Billing => "manages the purchased seat count and sees seat usage",
            BuiltinRole::Member => "uses the product and sees the directory",
            BuiltinRole::Viewer => "sees the directory; product access only where granted",
        }
    }

    /// The display name.
    pub fn name(self) -> &'static str {
        match self {
            BuiltinRole::Owner => "Owner",
            BuiltinRole::Admin => "Admin",
            BuiltinRole::Billing => "Billing",
            BuiltinRole::Member => "Member",
            BuiltinRole::Viewer => "Viewer",
        }
    }
}

/// The built-in permissions a built-in role holds (product permissions come on top).
pub fn builtin_role_grants(role: BuiltinRole) -> Vec<&'static str> {
    let all = BUILTIN_PERMISSIONS.iter().map(|p| p.key);
    match role {
        BuiltinRole::Owner => all.collect(),
        BuiltinRole::Admin => all.filter(|k| *k != "billing:manage").collect(),
        BuiltinRole::Billing => {
            vec![
                "users:read",
                "seats:read",
                "billing:read",
                "billing:manage",
                "roles:read",
            ]
        }
        BuiltinRole::Member | BuiltinRole::Viewer => {
            vec!["users:read", "groups:read", "roles:read", "seats:read"]
        }
    }
}

/// A permission the host product declares for one of its own features.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductPermission {
    /// The key, `resource:action`; must not clash with a built-in permission.
    pub key: PermissionKey,
    /// What it allows, for role editors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    /// Whether using it needs a seat. Product access normally does, so this defaults to true.
    #[serde(default = "yes")]
    pub needs_seat: bool,
    /// Which built-in roles besides `owner` hold it. Defaults to `admin` and `member`.
    #[serde(default = "default_product_roles")]
    pub builtin_roles: Vec<RoleKey>,
}

fn yes() -> bool {
    true
}

fn default_product_roles() -> Vec<RoleKey> {
    ["admin", "member"]
        .into_iter()
        .filter_map(|k| RoleKey::new(k).ok())
        .collect()
}

/// Whether `key` names one of Roster's own permissions.
pub fn is_builtin_permission(key: &str) -> bool {
    BUILTIN_PERMISSIONS.iter().any(|p| p.key == key)
}
