//! The query workload: (user, permission) pairs drawn deterministically from a seed.
//!
//! Users are drawn from every user of the org, whatever their status, and permissions from
//! the whole catalog, so the mix holds allows and every kind of deny. A few ids that name no
//! user and keys that name no permission are mixed in too.

use roster_engine::{Org, SeededEntropy};

/// Ids that name no user in a generated org.
const UNKNOWN_USERS: &[&str] = &["usr_99999", "usr_missing", "usr_00001x", "nobody"];

/// Keys that name no permission in a generated org (one is a role key, one a group key).
const UNKNOWN_PERMISSIONS: &[&str] = &["users:delete", "reports:teleport", "role-1", "design"];

/// About one query in this many names an unknown user, and as many an unknown permission.
const UNKNOWN_ONE_IN: u64 = 200;

/// One check: indexes into [`Workload::users`] and [`Workload::permissions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    /// Index of the user id.
    pub user: u32,
    /// Index of the permission key.
    pub permission: u32,
}

/// The ids the queries refer to, and the queries.
pub struct Workload {
    /// Every user id of the org, then the unknown ones.
    pub users: Vec<String>,
    /// Every permission key of the catalog, then the unknown ones.
    pub permissions: Vec<String>,
    /// The queries, in the order they are run.
    pub queries: Vec<Query>,
}

impl Workload {
    /// `count` queries over `org`, the same for the same seed.
    pub fn draw(org: &Org, count: usize, seed: u64) -> Workload {
        let known_users = org.users().len();
        let known_permissions = org.permission_keys().count();
        let users: Vec<String> = org
            .users()
            .map(|u| u.id.as_str().to_owned())
            .chain(UNKNOWN_USERS.iter().map(|&id| id.to_owned()))
            .collect();
        let permissions: Vec<String> = org
            .permission_keys()
            .map(str::to_owned)
            .chain(UNKNOWN_PERMISSIONS.iter().map(|&key| key.to_owned()))
            .collect();

        // A stream of its own, so the queries don't repeat the generator's draws.
        let mut rng = SeededEntropy::new(seed ^ 0x5155_4552_4945_5321);
        let mut pick = |known: usize, unknown: usize| -> u32 {
            let index = if rng.below(UNKNOWN_ONE_IN) == 0 {
                known + rng.below(unknown as u64) as usize
            } else {
                rng.below(known as u64) as usize
            };
            u32::try_from(index).expect("fewer than 2^32 users and permissions")
        };
        let queries = (0..count)
            .map(|_| Query {
                user: pick(known_users, UNKNOWN_USERS.len()),
                permission: pick(known_permissions, UNKNOWN_PERMISSIONS.len()),
            })
            .collect();
        Workload {
            users,
            permissions,
            queries,
        }
    }

    /// The user id a query names.
    pub fn user(&self, query: Query) -> &str {
        &self.users[query.user as usize]
    }

    /// The permission key a query names.
    pub fn permission(&self, query: Query) -> &str {
        &self.permissions[query.permission as usize]
    }
}
