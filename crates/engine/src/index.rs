//! The compiled check index: an org flattened into one bit per (user, permission).
//!
//! Building it resolves roles, groups and their ancestors, status and seats once, so a check
//! is two hash lookups and a bit test. The API keeps one per org version; the element keeps
//! one per org it shows. [`Org::explain`] remains the source of reasons, and the two must
//! agree on every decision.

use foldhash::fast::RandomState;

/// foldhash: fast, and seeded per process so crafted ids can't force collisions.
type FastMap<K, V> = std::collections::HashMap<K, V, RandomState>;

use crate::model::{Org, Status};

/// An org compiled for fast yes/no checks.
#[derive(Debug, Clone)]
pub struct AccessIndex {
    users: FastMap<Box<str>, u32>,
    user_ids: Vec<Box<str>>,
    permissions: FastMap<Box<str>, u32>,
    permission_keys: Vec<Box<str>>,
    /// 64-bit words per user row.
    words: usize,
    // INVARIANT: bit `p` of row `u` is set exactly when `org.is_allowed(user u, permission p)`.
    allowed: Vec<u64>,
}

impl AccessIndex {
    /// Compiles `org`.
    pub fn build(org: &Org) -> AccessIndex {
        let permission_keys: Vec<Box<str>> = org.permission_keys().map(Box::from).collect();
        let permissions: FastMap<Box<str>, u32> = permission_keys
            .iter()
            .zip(0u32..)
            .map(|(k, i)| (k.clone(), i))
            .collect();
        let words = permission_keys.len().div_ceil(64).max(1);
        let bit_of = |key: &str| permissions.get(key).map(|&i| i as usize);

        // Permissions needing no seat, as a mask.
        let mut seatless = vec![0u64; words];
        for (i, key) in permission_keys.iter().enumerate() {
            if org.permission_needs_seat(key) == Some(false) {
                seatless[i / 64] |= 1 << (i % 64);
            }
        }

        // Each role's permissions as a row of bits.
        let mut role_bits: FastMap<&str, Vec<u64>> = FastMap::default();
        let role_keys = crate::catalog::BuiltinRole::ALL
            .iter()
            .map(|r| r.key())
            .chain(org.roles.keys().map(|k| k.as_str()));
        for role in role_keys {
            let mut row = vec![0u64; words];
            for p in org.role_permissions(role).unwrap_or_default() {
                if let Some(i) = bit_of(p) {
                    row[i / 64] |= 1 << (i % 64);
                }
            }
            role_bits.insert(role, row);
        }

        // Each group's permissions, its ancestors' included. Ancestry is acyclic and shallow
        // (an invariant of the org), so resolving each group's closure directly is cheap.
        let mut group_bits: FastMap<&str, Vec<u64>> = FastMap::default();
        for key in org.groups.keys() {
            let mut row = vec![0u64; words];
            for (group, _) in org.group_closure([key]) {
                if let Some(record) = org.groups.get(group) {
                    for role in &record.roles {
                        if let Some(bits) = role_bits.get(role.as_str()) {
                            or_into(&mut row, bits);
                        }
                    }
                }
            }
            group_bits.insert(key.as_str(), row);
        }

        let mut users = FastMap::default();
        users.reserve(org.users.len());
        let mut user_ids = Vec::with_capacity(org.users.len());
        let mut allowed = vec![0u64; org.users.len() * words];
        for (row_index, user) in org.users.values().enumerate() {
            let id: Box<str> = user.id.as_str().into();
            users.insert(id.clone(), row_index as u32);
            user_ids.push(id);
            if user.status != Status::Active {
                continue;
            }
            let row = &mut allowed[row_index * words..(row_index + 1) * words];
            for role in &user.roles {
                if let Some(bits) = role_bits.get(role.as_str()) {
                    or_into(row, bits);
                }
            }
            for group in &user.groups {
                if let Some(bits) = group_bits.get(group.as_str()) {
                    or_into(row, bits);
                }
            }
            if !user.seat {
                for (word, mask) in row.iter_mut().zip(&seatless) {
                    *word &= mask;
                }
            }
        }
        AccessIndex {
            users,
            user_ids,
            permissions,
            permission_keys,
            words,
            allowed,
        }
    }

    /// Whether `user` is allowed `permission`. Unknown users and permissions are denied.
    #[inline]
    pub fn check(&self, user: &str, permission: &str) -> bool {
        let (Some(&u), Some(&p)) = (self.users.get(user), self.permissions.get(permission)) else {
            return false;
        };
        self.check_rows(u, p)
    }

    #[inline]
    fn check_rows(&self, user: u32, permission: u32) -> bool {
        let (u, p) = (user as usize, permission as usize);
        self.allowed
            .get(u * self.words + p / 64)
            .is_some_and(|w| (w >> (p % 64)) & 1 == 1)
    }

    /// The ids of users allowed `permission`, in id order.
    pub fn holders(&self, permission: &str) -> Vec<&str> {
        let Some(&p) = self.permissions.get(permission) else {
            return Vec::new();
        };
        (0..self.user_ids.len() as u32)
            .filter(|&u| self.check_rows(u, p))
            .map(|u| &*self.user_ids[u as usize])
            .collect()
    }

    /// The permissions `user` is allowed, in catalog order.
    pub fn permissions_of(&self, user: &str) -> Vec<&str> {
        let Some(&u) = self.users.get(user) else {
            return Vec::new();
        };
        (0..self.permission_keys.len() as u32)
            .filter(|&p| self.check_rows(u, p))
            .map(|p| &*self.permission_keys[p as usize])
            .collect()
    }

    /// How many users and permissions it covers.
    pub fn size(&self) -> (usize, usize) {
        (self.user_ids.len(), self.permission_keys.len())
    }
}

fn or_into(target: &mut [u64], bits: &[u64]) {
    for (t, b) in target.iter_mut().zip(bits) {
        *t |= b;
    }
}
