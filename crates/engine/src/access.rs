//! Checks: is a user allowed a permission, and why.
//!
//! This is the reference evaluator. It walks the org's records directly and explains every
//! decision; [`crate::index::AccessIndex`] answers the same question from a compiled form
//! and must agree with it (a property test holds the two together).
//!
//! A check never fails and never panics: anything it can't resolve is a deny with a reason.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::catalog::{self, BuiltinRole, BUILTIN_PERMISSIONS};
use crate::model::{Org, Status, User};
use crate::set::KeySet;
use crate::text::{GroupKey, RoleKey};

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The user may.
    Allow,
    /// The user may not. The default.
    Deny,
}

/// One way a user holds a permission: a role, held directly or through a chain of groups.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Grant {
    /// The role that carries the permission.
    pub role: RoleKey,
    /// Empty when the role is held directly; otherwise the user's own group first, then each
    /// parent group up to the one that grants the role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<GroupKey>,
}

/// Why a check denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum DenyReason {
    /// No user has this id.
    UnknownUser,
    /// The permission is not in the catalog.
    UnknownPermission,
    /// The user exists but is not active.
    NotActive {
        /// The user's status.
        status: Status,
    },
    /// The permission is product access, which needs a seat, and the user holds none.
    NeedsSeat,
    /// No role the user holds, directly or through a group, carries the permission.
    NotGranted,
}

/// A decision with everything that led to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// Every grant of the permission the user holds (present even when another reason
    /// denies, so an admin sees what would apply).
    pub grants: Vec<Grant>,
    /// Every reason for a deny, in the order checked; empty when allowed.
    pub deny_reasons: Vec<DenyReason>,
}

impl Explanation {
    /// Whether the decision is allow.
    pub fn is_allowed(&self) -> bool {
        self.decision == Decision::Allow
    }

    fn deny(reason: DenyReason) -> Explanation {
        Explanation {
            decision: Decision::Deny,
            grants: Vec::new(),
            deny_reasons: vec![reason],
        }
    }
}

impl Org {
    /// Whether `key` is in the catalog (built-in or declared by the product).
    pub fn permission_exists(&self, key: &str) -> bool {
        catalog::is_builtin_permission(key) || self.product_permission(key).is_some()
    }

    pub(crate) fn product_permission(&self, key: &str) -> Option<&catalog::ProductPermission> {
        self.product_permissions
            .iter()
            .find(|p| p.key.as_str() == key)
    }

    /// Whether using `key` needs a seat; `None` for a permission not in the catalog.
    pub fn permission_needs_seat(&self, key: &str) -> Option<bool> {
        if catalog::is_builtin_permission(key) {
            return Some(false);
        }
        self.product_permission(key).map(|p| p.needs_seat)
    }

    /// Every permission key in the catalog: the built-in ones, then the product's.
    pub fn permission_keys(&self) -> impl Iterator<Item = &str> {
        BUILTIN_PERMISSIONS
            .iter()
            .map(|p| p.key)
            .chain(self.product_permissions.iter().map(|p| p.key.as_str()))
    }

    /// Whether `key` names a built-in or custom role.
    pub fn role_exists(&self, key: &str) -> bool {
        BuiltinRole::from_key(key).is_some() || self.roles.contains_key(key)
    }

    /// The permissions a role carries; `None` for an unknown role.
    pub fn role_permissions(&self, key: &str) -> Option<KeySet<&str>> {
        if let Some(custom) = self.roles.get(key) {
            return Some(custom.permissions.iter().map(|p| p.as_str()).collect());
        }
        let builtin = BuiltinRole::from_key(key)?;
        let mut set: KeySet<&str> = catalog::builtin_role_grants(builtin).into_iter().collect();
        for product in &self.product_permissions {
            let granted = builtin == BuiltinRole::Owner
                || product.builtin_roles.iter().any(|r| r.as_str() == key);
            if granted {
                set.insert(product.key.as_str());
            }
        }
        Some(set)
    }

    /// Every group a member of `groups` belongs to, itself and its ancestors, each with the
    /// shortest chain that reaches it (starting at the member's own group).
    pub(crate) fn group_closure<'a>(
        &'a self,
        groups: impl IntoIterator<Item = &'a GroupKey>,
    ) -> Vec<(&'a GroupKey, Vec<&'a GroupKey>)> {
        let mut seen: KeySet<&GroupKey> = KeySet::new();
        let mut queue: VecDeque<(&GroupKey, Vec<&GroupKey>)> = VecDeque::new();
        for g in groups {
            if seen.insert(g) {
                queue.push_back((g, vec![g]));
            }
        }
        let mut out = Vec::new();
        while let Some((group, path)) = queue.pop_front() {
            if let Some(record) = self.groups.get(group) {
                for parent in &record.parents {
                    if seen.insert(parent) {
                        let mut longer = path.clone();
                        longer.push(parent);
                        queue.push_back((parent, longer));
                    }
                }
            }
            out.push((group, path));
        }
        out
    }

    /// The roles a user holds, each with the shortest way they hold it (direct first).
    pub fn roles_held(&self, user: &User) -> Vec<Grant> {
        let mut grants: Vec<Grant> = user
            .roles
            .iter()
            .map(|r| Grant {
                role: r.clone(),
                via: Vec::new(),
            })
            .collect();
        for (group, path) in self.group_closure(&user.groups) {
            if let Some(record) = self.groups.get(group) {
                for role in &record.roles {
                    let via = path.iter().map(|g| (*g).clone()).collect();
                    grants.push(Grant {
                        role: role.clone(),
                        via,
                    });
                }
            }
        }
        grants
    }

    /// Every permission the user's roles carry, whatever their status and seat.
    pub fn granted_permissions(&self, user: &User) -> KeySet<&str> {
        let mut roles: KeySet<&str> = user.roles.iter().map(|r| r.as_str()).collect();
        for (group, _) in self.group_closure(&user.groups) {
            if let Some(record) = self.groups.get(group) {
                roles.extend(record.roles.iter().map(|r| r.as_str()));
            }
        }
        roles
            .into_iter()
            .filter_map(|r| self.role_permissions(r))
            .flatten()
            .collect()
    }

    /// The permissions a check would allow for the user right now: granted, the user active,
    /// and a seat held for those that need one. Empty for an unknown user.
    pub fn effective_permissions(&self, user_id: &str) -> KeySet<&str> {
        let Some(user) = self.users.get(user_id) else {
            return KeySet::new();
        };
        if user.status != Status::Active {
            return KeySet::new();
        }
        self.granted_permissions(user)
            .into_iter()
            .filter(|p| user.seat || self.permission_needs_seat(p) == Some(false))
            .collect()
    }

    /// Whether the user holds `role`, directly or through a group.
    pub fn holds_role(&self, user: &User, role: &str) -> bool {
        user.roles.contains(role)
            || self.group_closure(&user.groups).into_iter().any(|(g, _)| {
                self.groups
                    .get(g)
                    .is_some_and(|record| record.roles.contains(role))
            })
    }

    /// Is `user_id` allowed `permission`, and why. Never fails: anything unresolvable is a deny.
    pub fn explain(&self, user_id: &str, permission: &str) -> Explanation {
        let Some(user) = self.users.get(user_id) else {
            return Explanation::deny(DenyReason::UnknownUser);
        };
        let Some(needs_seat) = self.permission_needs_seat(permission) else {
            return Explanation::deny(DenyReason::UnknownPermission);
        };
        let grants: Vec<Grant> = self
            .roles_held(user)
            .into_iter()
            .filter(|g| {
                self.role_permissions(g.role.as_str())
                    .is_some_and(|p| p.contains(permission))
            })
            .collect();

        let mut deny_reasons = Vec::new();
        if user.status != Status::Active {
            deny_reasons.push(DenyReason::NotActive {
                status: user.status,
            });
        }
        if needs_seat && !user.seat {
            deny_reasons.push(DenyReason::NeedsSeat);
        }
        if grants.is_empty() {
            deny_reasons.push(DenyReason::NotGranted);
        }
        let decision = if deny_reasons.is_empty() {
            Decision::Allow
        } else {
            Decision::Deny
        };
        Explanation {
            decision,
            grants,
            deny_reasons,
        }
    }

    /// Whether `user_id` is allowed `permission` (the reference answer, without reasons).
    pub fn is_allowed(&self, user_id: &str, permission: &str) -> bool {
        self.explain(user_id, permission).is_allowed()
    }

    /// The users a check allows `permission`, in id order (the reverse lookup).
    pub fn holders(&self, permission: &str) -> Vec<&User> {
        self.users
            .values()
            .filter(|u| self.is_allowed(u.id.as_str(), permission))
            .collect()
    }

    /// Active users holding the `owner` role, directly or through a group.
    pub fn active_owners(&self) -> impl Iterator<Item = &User> {
        self.users
            .values()
            .filter(|u| u.status == Status::Active && self.holds_role(u, BuiltinRole::Owner.key()))
    }
}
