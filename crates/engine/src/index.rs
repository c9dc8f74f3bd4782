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

    /// Whether `user` is a user of the org (in any status).
    pub fn contains_user(&self, user: &str) -> bool {
        self.users.contains_key(user)
    }

    /// How many users and permissions it covers.
    pub fn size(&self) -> (usize, usize) {
        (self.user_ids.len(), self.permission_keys.len())
    }
}

/// The first bytes of a serialised index, with its format version.
const MAGIC: &[u8; 4] = b"RIX1";

impl AccessIndex {
    /// The index as bytes, for a cache such as KV: a header, the user ids and permission
    /// keys (each length-prefixed), then the bits.
    pub fn to_bytes(&self) -> Vec<u8> {
        let strings: usize = self
            .user_ids
            .iter()
            .chain(&self.permission_keys)
            .map(|s| s.len() + 2)
            .sum();
        let mut out = Vec::with_capacity(16 + strings + self.allowed.len() * 8);
        out.extend_from_slice(MAGIC);
        for n in [self.words, self.user_ids.len(), self.permission_keys.len()] {
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        for s in self.user_ids.iter().chain(&self.permission_keys) {
            out.extend_from_slice(&(s.len() as u16).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        for word in &self.allowed {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out
    }

    /// Reads what [`AccessIndex::to_bytes`] wrote; `None` for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Option<AccessIndex> {
        let mut input = Reader(bytes.strip_prefix(MAGIC)?);
        let words = input.number()?;
        let n_users = input.number()?;
        let n_permissions = input.number()?;
        if words != n_permissions.div_ceil(64).max(1) {
            return None;
        }
        // Capacities are capped so a lying header can't ask for a huge allocation.
        let mut user_ids = Vec::with_capacity(n_users.min(1 << 20));
        for _ in 0..n_users {
            user_ids.push(input.string()?);
        }
        let mut permission_keys = Vec::with_capacity(n_permissions.min(1 << 16));
        for _ in 0..n_permissions {
            permission_keys.push(input.string()?);
        }
        let count = n_users.checked_mul(words)?;
        let mut allowed = Vec::with_capacity(count.min(1 << 24));
        for _ in 0..count {
            allowed.push(u64::from_le_bytes(input.take(8)?.try_into().ok()?));
        }
        if !input.0.is_empty() {
            return None;
        }
        let users = user_ids.iter().cloned().zip(0u32..).collect();
        let permissions = permission_keys.iter().cloned().zip(0u32..).collect();
        Some(AccessIndex {
            users,
            user_ids,
            permissions,
            permission_keys,
            words,
            allowed,
        })
    }
}

/// Reads the serialised index front to back.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.0.split_at_checked(n)?;
        self.0 = tail;
        Some(head)
    }

    fn number(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
    }

    fn string(&mut self) -> Option<Box<str>> {
        let len = u16::from_le_bytes(self.take(2)?.try_into().ok()?) as usize;
        std::str::from_utf8(self.take(len)?).ok().map(Box::from)
    }
}

fn or_into(target: &mut [u64], bits: &[u64]) {
    for (t, b) in target.iter_mut().zip(bits) {
        *t |= b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    #[test]
    fn an_index_survives_its_bytes() {
        let org = demo::generate(&demo::DemoSpec::small(60, 3));
        let index = AccessIndex::build(&org);
        let bytes = index.to_bytes();
        let back = AccessIndex::from_bytes(&bytes).expect("reads its own bytes");
        for user in org.users() {
            for permission in org.permission_keys() {
                let id = user.id.as_str();
                assert_eq!(back.check(id, permission), index.check(id, permission));
            }
        }
        assert!(AccessIndex::from_bytes(&bytes[..bytes.len() - 1]).is_none());
        assert!(AccessIndex::from_bytes(b"RIX1").is_none());
        assert!(AccessIndex::from_bytes(b"nope").is_none());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(AccessIndex::from_bytes(&longer).is_none());
    }
}
