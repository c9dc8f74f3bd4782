//! Listing users: filters, sorting and cursor pagination.
//!
//! Pages are cut by keyset, not offset: the cursor holds the sort value and id of the last
//! user shown, so a page never repeats or skips a user when others are added or removed
//! between requests.

use std::cmp::Ordering;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::limits;
use crate::model::{Org, Status, User};
use crate::set::{least_sorted_by, KeySet};
use crate::text::{GroupKey, RoleKey};
use crate::token::{base64url_decode, base64url_encode};

/// What to sort users by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Display name (the email for users without one), case folded by [`fold_case`].
    #[default]
    Name,
    /// Email address.
    Email,
    /// Status, in the order invited, active, suspended, deactivated.
    Status,
    /// Last activity; users never seen come first ascending.
    LastActive,
    /// When the user was added.
    Created,
}

impl SortKey {
    /// Every sort key, in declaration order.
    pub const ALL: [SortKey; 5] = [
        SortKey::Name,
        SortKey::Email,
        SortKey::Status,
        SortKey::LastActive,
        SortKey::Created,
    ];

    /// The key as written in queries and the API (`last_active`).
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Email => "email",
            SortKey::Status => "status",
            SortKey::LastActive => "last_active",
            SortKey::Created => "created",
        }
    }
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// A to Z, oldest first.
    #[default]
    Asc,
    /// Z to A, newest first.
    Desc,
}

/// Which users to list and how.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserQuery {
    /// Only users in one of these statuses (all when empty).
    pub status: Vec<Status>,
    /// Only users holding this role, directly or through a group.
    pub role: Option<RoleKey>,
    /// Only direct members of this group.
    pub group: Option<GroupKey>,
    /// Only users with (true) or without (false) a seat.
    pub seat: Option<bool>,
    /// Only users whose name or email contains this text, ignoring case as [`fold_case`] does.
    pub search: Option<String>,
    /// The sort key.
    pub sort: SortKey,
    /// The sort order.
    pub order: SortOrder,
    /// Users per page, 1 to [`limits::PAGE_SIZE`]; 50 when absent or 0.
    pub limit: usize,
    /// Where to continue, from the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// One page of users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<'a> {
    /// The users on this page, in order.
    pub users: Vec<&'a User>,
    /// How many users match the filters in all.
    pub total: usize,
    /// The cursor of the next page; `None` on the last one.
    pub next_cursor: Option<String>,
}

/// A query that can't be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// The parameter at fault.
    pub field: &'static str,
    /// Why.
    pub reason: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for QueryError {}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortValue {
    Number(i64),
    Text(String),
}

struct Cursor {
    sort: SortKey,
    order: SortOrder,
    value: SortValue,
    id: String,
}

fn sort_value(user: &User, key: SortKey) -> SortValue {
    match key {
        SortKey::Name => SortValue::Text(fold_case(
            user.name
                .as_ref()
                .map_or(user.email.as_str(), |n| n.as_str()),
        )),
        SortKey::Email => SortValue::Text(user.email.as_str().to_owned()),
        SortKey::Status => SortValue::Number(user.status as i64),
        SortKey::LastActive => {
            SortValue::Number(user.last_active_at.map_or(-1, |t| t.unix_seconds()))
        }
        SortKey::Created => SortValue::Number(user.created_at.unix_seconds()),
    }
}

impl Org {
    /// Lists users matching `query`, one page at a time.
    pub fn list_users(&self, query: &UserQuery) -> Result<Page<'_>, QueryError> {
        let limit = match query.limit {
            0 => 50,
            n if n > limits::PAGE_SIZE => {
                return Err(QueryError {
                    field: "limit",
                    reason: format!("at most {}", limits::PAGE_SIZE),
                })
            }
            n => n,
        };
        let search = match &query.search {
            Some(s) if s.chars().count() > limits::SEARCH_CHARS => {
                return Err(QueryError {
                    field: "search",
                    reason: "longer than 200 characters".into(),
                })
            }
            Some(s) if !s.trim().is_empty() => Some(fold_case(s.trim())),
            _ => None,
        };
        if let Some(role) = &query.role {
            if !self.role_exists(role.as_str()) {
                return Err(QueryError {
                    field: "role",
                    reason: format!("no role `{role}`"),
                });
            }
        }
        if let Some(group) = &query.group {
            if !self.groups.contains_key(group) {
                return Err(QueryError {
                    field: "group",
                    reason: format!("no group `{group}`"),
                });
            }
        }
        let after = match &query.cursor {
            None => None,
            Some(text) => {
                let cursor = decode_cursor(text)?;
                if cursor.sort != query.sort || cursor.order != query.order {
                    return Err(QueryError {
                        field: "cursor",
                        reason: "made for another sort or order".into(),
                    });
                }
                Some((cursor.value, cursor.id))
            }
        };
        let granting_groups = query
            .role
            .as_ref()
            .map(|role| self.groups_granting(role.as_str()));

        let matches = |user: &&User| {
            (query.status.is_empty() || query.status.contains(&user.status))
                && query.seat.is_none_or(|seat| user.seat == seat)
                && query.group.as_ref().is_none_or(|g| user.groups.contains(g))
                && query.role.as_ref().is_none_or(|role| {
                    user.roles.contains(role)
                        || granting_groups
                            .as_ref()
                            .is_some_and(|gs| user.groups.iter().any(|g| gs.contains(g.as_str())))
                })
                && search.as_ref().is_none_or(|s| {
                    user.email.as_str().contains(s.as_str())
                        || user
                            .name
                            .as_ref()
                            .is_some_and(|n| fold_case(n.as_str()).contains(s))
                })
        };
        let mut rows: Vec<(SortValue, &User)> = self
            .users
            .values()
            .filter(matches)
            .map(|u| (sort_value(u, query.sort), u))
            .collect();
        let total = rows.len();

        let compare = |a: &(SortValue, &User), b: &(SortValue, &User)| {
            let ord = a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id));
            if query.order == SortOrder::Desc {
                ord.reverse()
            } else {
                ord
            }
        };
        if let Some((value, id)) = &after {
            rows.retain(|(v, u)| {
                let ord = v.cmp(value).then_with(|| u.id.as_str().cmp(id.as_str()));
                match query.order {
                    SortOrder::Asc => ord == Ordering::Greater,
                    SortOrder::Desc => ord == Ordering::Less,
                }
            });
        }
        // Only the page (and one more, to tell whether there is a next) is put in order; ids
        // make the order total.
        least_sorted_by(&mut rows, limit + 1, |a, b| compare(a, b) == Ordering::Less);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = match rows.last() {
            Some((value, user)) if more => Some(encode_cursor(&Cursor {
                sort: query.sort,
                order: query.order,
                value: value.clone(),
                id: user.id.to_string(),
            })),
            _ => None,
        };
        Ok(Page {
            users: rows.into_iter().map(|(_, u)| u).collect(),
            total,
            next_cursor,
        })
    }

    /// The groups whose members hold `role`: those granting it and all their descendants.
    fn groups_granting(&self, role: &str) -> KeySet<&str> {
        self.groups
            .keys()
            .filter(|key| {
                self.group_closure([*key]).into_iter().any(|(g, _)| {
                    self.groups
                        .get(g)
                        .is_some_and(|group| group.roles.contains(role))
                })
            })
            .map(|k| k.as_str())
            .collect()
    }
}

/// Text as searching and sorting by name compare it: each letter in its small form, for the
/// scripts names are mostly written in (Latin with its European and Vietnamese letters,
/// Greek, Cyrillic, Armenian); other characters stay as they are. Worked out by arithmetic
/// on the code points rather than with `str::to_lowercase`, whose tables for every script
/// are the largest single part of what the element would otherwise carry. The API and the
/// element fold alike, so they list users in the same order.
pub fn fold_case(text: &str) -> String {
    // Most names are ASCII, which folds a byte at a time.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.chars().map(small_letter).collect()
}

fn small_letter(c: char) -> char {
    let n = u32::from(c);
    let even = n % 2 == 0;
    let small = match n {
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE => n + 32,
        0x130 => 0x69,
        0x100..=0x12F | 0x132..=0x137 | 0x14A..=0x177 if even => n + 1,
        0x139..=0x148 | 0x179..=0x17E if !even => n + 1,
        0x178 => 0xFF,
        0x386 => 0x3AC,
        0x388..=0x38A => n + 37,
        0x38C => 0x3CC,
        0x38E..=0x38F => n + 63,
        0x391..=0x3A1 | 0x3A3..=0x3AB => n + 32,
        0x400..=0x40F => n + 80,
        0x410..=0x42F => n + 32,
        0x460..=0x481 | 0x48A..=0x4BF | 0x4D0..=0x52F if even => n + 1,
        0x4C0 => 0x4CF,
        0x4C1..=0x4CE if !even => n + 1,
        0x531..=0x556 => n + 48,
        0x1E9E => 0xDF,
        0x1E00..=0x1E95 | 0x1EA0..=0x1EFF if even => n + 1,
        _ => n,
    };
    char::from_u32(small).unwrap_or(c)
}

/// A cursor as text before base64url: the sort key's and the order's places, `n` or `t` for
/// the kind of sort value, the user's id, `:` and the value. An id never holds `:`, so the
/// value after it may hold anything. (Written by hand rather than as JSON: the element
/// pages too, and a JSON parser would be a fifth of its `.wasm`.)
fn encode_cursor(cursor: &Cursor) -> String {
    let sort = cursor.sort as usize;
    let order = match cursor.order {
        SortOrder::Asc => 0,
        SortOrder::Desc => 1,
    };
    let (kind, value) = match &cursor.value {
        SortValue::Number(n) => ('n', n.to_string()),
        SortValue::Text(t) => ('t', t.clone()),
    };
    let text = format!("{sort}{order}{kind}{}:{value}", cursor.id);
    base64url_encode(text.as_bytes())
}

fn decode_cursor(text: &str) -> Result<Cursor, QueryError> {
    let invalid = || QueryError {
        field: "cursor",
        reason: "not a cursor this API issued".into(),
    };
    if text.len() > 1024 {
        return Err(invalid());
    }
    let bytes = base64url_decode(text).ok_or_else(invalid)?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let head = text.as_bytes();
    if head.len() < 3 {
        return Err(invalid());
    }
    let place = |b: u8| usize::from(b.wrapping_sub(b'0'));
    let sort = *SortKey::ALL.get(place(head[0])).ok_or_else(invalid)?;
    let order = match head[1] {
        b'0' => SortOrder::Asc,
        b'1' => SortOrder::Desc,
        _ => return Err(invalid()),
    };
    let kind = head[2];
    if kind != b'n' && kind != b't' {
        return Err(invalid());
    }
    // The first three bytes are ASCII, so the rest starts on a character boundary.
    let (id, value) = text[3..].split_once(':').ok_or_else(invalid)?;
    let value = match kind {
        b'n' => SortValue::Number(value.parse().map_err(|_| invalid())?),
        _ => SortValue::Text(value.to_owned()),
    };
    Ok(Cursor {
        sort,
        order,
        value,
        id: id.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Latin-1, Latin Extended-A, modern Greek, Cyrillic with its supplement, Armenian.
    fn covered(n: u32) -> bool {
        n < 0x180
            || [0x386..0x3AC, 0x400..0x530, 0x531..0x557]
                .iter()
                .any(|r| r.contains(&n))
    }

    #[test]
    fn folding_agrees_with_unicode_lower_case_where_it_folds() {
        let blocks = [0x0..0x250, 0x370..0x530, 0x530..0x590, 0x1E00..0x1F00];
        for n in blocks.into_iter().flatten() {
            let Some(c) = char::from_u32(n) else { continue };
            let folded = small_letter(c);
            let lower: Vec<char> = c.to_lowercase().collect();
            if folded != c {
                // Where it folds, it folds as Unicode does (U+0130 `İ` to a plain `i`).
                let want = if n == 0x130 { 'i' } else { lower[0] };
                assert_eq!(folded, want, "U+{n:04X}");
            } else if lower != [c] && covered(n) {
                // Every capital of the alphabets it covers is folded.
                panic!("U+{n:04X} `{c}` is left as it is");
            }
        }
        assert_eq!(
            fold_case("ÉLODIE Şahin ΣΟΦΊΑ Дмитрий"),
            "élodie şahin σοφία дмитрий"
        );
    }

    #[test]
    fn cursors_read_back_and_refuse_what_was_not_issued() {
        let cursor = Cursor {
            sort: SortKey::Name,
            order: SortOrder::Desc,
            value: SortValue::Text("zoë: the 2nd".into()),
            id: "usr_1".into(),
        };
        let back = decode_cursor(&encode_cursor(&cursor)).ok();
        let back = back.map(|c| (c.sort, c.order, c.value, c.id));
        let want = (cursor.sort, cursor.order, cursor.value, cursor.id);
        assert_eq!(back, Some(want));
        for text in [
            "",
            "00",
            "9 tusr:x",
            "20nusr_1:x",
            "0\u{e9}tusr:x",
            "00\u{e9}usr:x",
            "00t",
        ] {
            let issued = base64url_encode(text.as_bytes());
            assert!(decode_cursor(&issued).is_err(), "{text:?}");
        }
        assert!(decode_cursor("not base64!").is_err());
    }
}
