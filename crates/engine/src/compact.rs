//! The org document in a compact binary form: what the API sends the `<roster-users>` element.
//!
//! The JSON document of a 10,000-user org is about 6 MB; parsing it takes a browser longer
//! than the whole draw may (50 ms). This form holds the same fields in about a third of the
//! bytes, times as seconds rather than text, and reads in one pass with no parser
//! generated per type, which also keeps the element's `.wasm` small. Every value still goes
//! through the constructor of its type and then [`Org::from_document`]'s checks, so a
//! document is refused for the same reasons as in JSON, naming the field (`users[3].email`).
//!
//! The layout, in the order of [`OrgDocument`]'s fields: the magic `RSTR`, the document
//! version, then each field as below. A list is its length then its items.
//!
//! | value | bytes |
//! |---|---|
//! | whole number, time (seconds since the Unix epoch) | unsigned LEB128 |
//! | text | its length in bytes (LEB128), then UTF-8 |
//! | `bool` | `0` or `1` |
//! | absent or present (`Option`) | `0`, or `1` and the value |
//! | status, invitation state | its place in the enum's declaration, one byte |
//! | token hash | 32 bytes |

use std::fmt::Write as _;

use crate::catalog::ProductPermission;
use crate::document::{DocumentError, OrgDocument, OrgHeader, DOCUMENT_VERSION};
use crate::model::{
    CustomRole, Device, Group, Invitation, InvitationState, Org, OrgSettings, Status, User,
    UserSettings,
};
use crate::set::KeySet;
use crate::text::Text;
use crate::time::Timestamp;
use crate::token::TokenHash;

/// The first bytes of every compact document.
const MAGIC: &[u8; 4] = b"RSTR";

/// The media type the API serves this form as.
pub const MEDIA_TYPE: &str = "application/vnd.roster.org";

/// Whether `bytes` look like a compact document (rather than JSON), by their first bytes.
pub fn is_compact(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

impl OrgDocument {
    /// The document in the compact form.
    pub fn to_compact(&self) -> Vec<u8> {
        // Most of a document is text; a user takes about 150 bytes.
        let mut w = Writer(Vec::with_capacity(64 + self.users.len() * 160));
        w.0.extend_from_slice(MAGIC);
        w.uint(u64::from(self.version));
        let org = &self.org;
        w.text(org.id.as_str());
        w.text(org.name.as_str());
        w.uint(u64::from(org.seats_purchased));
        w.bool(org.settings.seat_on_accept);
        w.uint(u64::from(org.settings.invitation_days));
        w.list(&self.permissions, |w, p| {
            w.text(p.key.as_str());
            w.option(p.description.as_ref(), |w, d| w.text(d.as_str()));
            w.bool(p.needs_seat);
            w.list(&p.builtin_roles, |w, r| w.text(r.as_str()));
        });
        w.list(&self.roles, |w, r| {
            w.text(r.key.as_str());
            w.text(r.name.as_str());
            w.option(r.description.as_ref(), |w, d| w.text(d.as_str()));
            w.keys(&r.permissions);
        });
        w.list(&self.groups, |w, g| {
            w.text(g.key.as_str());
            w.text(g.name.as_str());
            w.option(g.description.as_ref(), |w, d| w.text(d.as_str()));
            w.keys(&g.roles);
            w.keys(&g.parents);
        });
        w.list(&self.users, |w, u| {
            w.text(u.id.as_str());
            w.text(u.email.as_str());
            w.option(u.name.as_ref(), |w, n| w.text(n.as_str()));
            w.0.push(u.status as u8);
            w.keys(&u.roles);
            w.keys(&u.groups);
            w.bool(u.seat);
            w.option(u.settings.locale.as_ref(), |w, l| w.text(l.as_str()));
            w.option(u.settings.time_zone.as_ref(), |w, z| w.text(z.as_str()));
            w.time(u.created_at);
            w.option(u.joined_at, Writer::time);
            w.option(u.last_active_at, Writer::time);
        });
        w.list(&self.invitations, |w, i| {
            w.text(i.id.as_str());
            w.text(i.user_id.as_str());
            w.text(i.email.as_str());
            w.keys(&i.roles);
            w.keys(&i.groups);
            w.option(i.invited_by.as_ref(), |w, u| w.text(u.as_str()));
            w.time(i.created_at);
            w.time(i.expires_at);
            w.uint(u64::from(i.sends));
            w.0.push(i.state as u8);
            w.hash(&i.token_hash);
        });
        w.list(&self.devices, |w, d| {
            w.text(d.id.as_str());
            w.text(d.user_id.as_str());
            w.text(d.name.as_str());
            w.text(d.platform.as_str());
            w.text(d.os.as_str());
            w.time(d.first_seen_at);
            w.time(d.last_seen_at);
            w.option(d.revoked_at, Writer::time);
        });
        w.0
    }

    /// Reads a compact document's fields (no cross-record checks yet), naming the first bad
    /// field.
    pub fn from_compact(bytes: &[u8]) -> Result<OrgDocument, DocumentError> {
        let mut r = Reader {
            bytes,
            at: 0,
            path: Vec::new(),
            refused: None,
        };
        let doc = read_document(&mut r);
        if let Some(refused) = r.refused {
            return Err(refused);
        }
        if r.at != bytes.len() {
            return Err(DocumentError {
                path: ".".to_owned(),
                message: format!("{} bytes after the document", bytes.len() - r.at),
            });
        }
        Ok(doc)
    }
}

impl Org {
    /// Reads a compact document and checks every rule, as [`Org::from_json`] does for JSON.
    pub fn from_compact(bytes: &[u8]) -> Result<Org, DocumentError> {
        Org::from_document(OrgDocument::from_compact(bytes)?)
    }

    /// The org as a compact document (token hashes included, like [`Org::to_json`]).
    pub fn to_compact(&self) -> Vec<u8> {
        self.to_document().to_compact()
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn uint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn text(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn bool(&mut self, b: bool) {
        self.0.push(u8::from(b));
    }

    fn time(&mut self, t: Timestamp) {
        // Timestamps are never before 1970, so the seconds are never negative.
        self.uint(t.unix_seconds().max(0) as u64);
    }

    fn hash(&mut self, hash: &TokenHash) {
        let hex = hash.as_str().as_bytes();
        for pair in hex.chunks(2) {
            let digit = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            self.0
                .push((digit(pair[0]) << 4) | digit(pair.get(1).copied().unwrap_or(b'0')));
        }
    }

    fn option<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Writer, T)) {
        match value {
            None => self.0.push(0),
            Some(v) => {
                self.0.push(1);
                write(self, v);
            }
        }
    }

    fn list<T>(&mut self, items: &[T], mut write: impl FnMut(&mut Writer, &T)) {
        self.uint(items.len() as u64);
        for item in items {
            write(self, item);
        }
    }

    fn keys<K: AsRef<str> + Ord>(&mut self, keys: &KeySet<K>) {
        self.uint(keys.len() as u64);
        for key in keys {
            self.text(key.as_ref());
        }
    }
}

/// Where the reader is, outermost first: the fields and list places it went into.
enum Segment {
    Field(&'static str),
    Index(usize),
}

/// Reads values in order, each named by its field so that a refusal can say where it is
/// (the path is only written out when something is refused).
///
/// A refusal doesn't return early: the reader keeps the first one, jumps to the end of the
/// bytes, and hands back stand-ins (zero, empty text) from then on, which the caller throws
/// away with the whole read. Each read is then a plain value rather than a `Result` the size
/// of a record, and no record needs code to drop the fields read before a bad one: in the
/// element's `.wasm` that code was a third of the reader.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    path: Vec<Segment>,
    refused: Option<DocumentError>,
}

type Read<'a, T> = fn(&mut Reader<'a>, &'static str) -> T;

impl<'a> Reader<'a> {
    /// Keeps the first refusal, at `field` under the current path, and reads no further.
    fn refuse(&mut self, field: &'static str, message: impl Into<String>) {
        self.at = self.bytes.len();
        if self.refused.is_some() {
            return;
        }
        let mut path = String::new();
        let last = Segment::Field(field);
        let segments = self.path.iter().chain(Some(&last));
        for segment in segments.filter(|s| !matches!(s, Segment::Field(""))) {
            match segment {
                Segment::Field(name) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                }
                Segment::Index(i) => {
                    let _ = write!(path, "[{i}]");
                }
            }
        }
        if path.is_empty() {
            path.push('.');
        }
        let message = message.into();
        self.refused = Some(DocumentError { path, message });
    }

    fn byte(&mut self, field: &'static str) -> u8 {
        let Some(&b) = self.bytes.get(self.at) else {
            self.refuse(field, "the document ends early");
            return 0;
        };
        self.at += 1;
        b
    }

    fn uint(&mut self, field: &'static str) -> u64 {
        // Most numbers (lengths, counts) fit in one byte.
        if let Some(&b) = self.bytes.get(self.at) {
            if b < 0x80 {
                self.at += 1;
                return u64::from(b);
            }
        }
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte(field);
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return n;
            }
        }
        self.refuse(field, "a number longer than 64 bits");
        0
    }

    fn u32(&mut self, field: &'static str) -> u32 {
        let n = self.uint(field);
        u32::try_from(n).unwrap_or_else(|_| {
            self.refuse(field, format!("{n} is more than {}", u32::MAX));
            0
        })
    }

    fn str(&mut self, field: &'static str) -> &'a str {
        let len = self.uint(field);
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| self.at.checked_add(len))
            .filter(|end| *end <= self.bytes.len());
        let Some(end) = end else {
            self.refuse(field, "the document ends early");
            return "";
        };
        let Ok(text) = std::str::from_utf8(&self.bytes[self.at..end]) else {
            self.refuse(field, "text that is not UTF-8");
            return "";
        };
        self.at = end;
        text
    }

    /// Text checked by the constructor of its type.
    fn text<T: Text>(&mut self, field: &'static str) -> T {
        let text = self.str(field);
        if self.refused.is_some() {
            return T::stand_in();
        }
        T::try_from(text.to_owned()).unwrap_or_else(|e| {
            self.refuse(field, e.to_string());
            T::stand_in()
        })
    }

    fn bool(&mut self, field: &'static str) -> bool {
        match self.byte(field) {
            0 => false,
            1 => true,
            b => {
                self.refuse(field, format!("expected 0 or 1 for a boolean, found {b}"));
                false
            }
        }
    }

    fn time(&mut self, field: &'static str) -> Timestamp {
        let seconds = i64::try_from(self.uint(field)).unwrap_or(i64::MAX);
        let time = Timestamp::from_unix_seconds(seconds);
        if time.unix_seconds() != seconds {
            self.refuse(field, format!("{seconds} seconds is after the year 9999"));
        }
        time
    }

    fn option<T>(&mut self, field: &'static str, read: Read<'a, T>) -> Option<T> {
        match self.byte(field) {
            0 => None,
            1 => Some(read(self, field)),
            b => {
                let message = format!("expected 0 or 1 for absent or present, found {b}");
                self.refuse(field, message);
                None
            }
        }
    }

    /// A list: its items are read with the path at `field[i]`.
    fn list<T>(&mut self, field: &'static str, read: Read<'a, T>) -> Vec<T> {
        let len = self.uint(field);
        // Every item takes at least a byte: a length beyond what is left is a lie, and must
        // not reserve memory.
        if len > (self.bytes.len() - self.at) as u64 {
            self.refuse(field, "the document ends early");
            return Vec::new();
        }
        let mut items = Vec::with_capacity(len as usize);
        self.path.push(Segment::Field(field));
        for i in 0..len as usize {
            if self.refused.is_some() {
                break;
            }
            self.path.push(Segment::Index(i));
            // An item that is a record reads its own fields; one that is a value has none.
            items.push(read(self, ""));
            self.path.pop();
        }
        self.path.pop();
        items
    }

    fn keys<K: Text + Ord>(&mut self, field: &'static str) -> KeySet<K> {
        self.list(field, Reader::text).into_iter().collect()
    }

    fn one_of<T: Copy>(&mut self, field: &'static str, values: &[T]) -> T {
        let b = self.byte(field);
        match values.get(usize::from(b)) {
            Some(value) => *value,
            None => {
                let message = format!("{b} is not one of the {} known", values.len());
                self.refuse(field, message);
                values[0]
            }
        }
    }

    fn hash(&mut self, field: &'static str) -> TokenHash {
        let mut hex = String::with_capacity(64);
        for _ in 0..32 {
            let _ = write!(hex, "{:02x}", self.byte(field));
        }
        TokenHash::try_from(hex).unwrap_or_else(|e| {
            self.refuse(field, e);
            TokenHash::redacted()
        })
    }

    /// Reads a record at `field`, its own fields named beneath it.
    fn record<T>(&mut self, field: &'static str, read: Read<'a, T>) -> T {
        self.path.push(Segment::Field(field));
        let record = read(self, "");
        self.path.pop();
        record
    }
}

fn read_document(r: &mut Reader<'_>) -> OrgDocument {
    if r.bytes.get(..4) == Some(MAGIC.as_slice()) {
        r.at = 4;
    } else {
        r.refuse("", "not a compact org document (no `RSTR` at the start)");
    }
    let version = r.u32("version");
    if version != DOCUMENT_VERSION {
        let message = format!("unsupported version {version}: expected {DOCUMENT_VERSION}");
        r.refuse("version", message);
    }
    OrgDocument {
        version,
        org: r.record("org", read_header),
        permissions: r.list("permissions", read_permission),
        roles: r.list("roles", read_role),
        groups: r.list("groups", read_group),
        users: r.list("users", read_user),
        invitations: r.list("invitations", read_invitation),
        devices: r.list("devices", read_device),
    }
}

fn read_settings(r: &mut Reader<'_>, _: &'static str) -> OrgSettings {
    OrgSettings {
        seat_on_accept: r.bool("seat_on_accept"),
        invitation_days: r.u32("invitation_days"),
    }
}

fn read_header(r: &mut Reader<'_>, _: &'static str) -> OrgHeader {
    OrgHeader {
        id: r.text("id"),
        name: r.text("name"),
        seats_purchased: r.u32("seats_purchased"),
        settings: r.record("settings", read_settings),
    }
}

fn read_permission(r: &mut Reader<'_>, _: &'static str) -> ProductPermission {
    ProductPermission {
        key: r.text("key"),
        description: r.option("description", Reader::text),
        needs_seat: r.bool("needs_seat"),
        builtin_roles: r.list("builtin_roles", Reader::text),
    }
}

fn read_role(r: &mut Reader<'_>, _: &'static str) -> CustomRole {
    CustomRole {
        key: r.text("key"),
        name: r.text("name"),
        description: r.option("description", Reader::text),
        permissions: r.keys("permissions"),
    }
}

fn read_group(r: &mut Reader<'_>, _: &'static str) -> Group {
    Group {
        key: r.text("key"),
        name: r.text("name"),
        description: r.option("description", Reader::text),
        roles: r.keys("roles"),
        parents: r.keys("parents"),
    }
}

fn read_user_settings(r: &mut Reader<'_>, _: &'static str) -> UserSettings {
    UserSettings {
        locale: r.option("locale", Reader::text),
        time_zone: r.option("time_zone", Reader::text),
    }
}

fn read_user(r: &mut Reader<'_>, _: &'static str) -> User {
    User {
        id: r.text("id"),
        email: r.text("email"),
        name: r.option("name", Reader::text),
        status: r.one_of("status", &Status::ALL),
        roles: r.keys("roles"),
        groups: r.keys("groups"),
        seat: r.bool("seat"),
        settings: r.record("settings", read_user_settings),
        created_at: r.time("created_at"),
        joined_at: r.option("joined_at", Reader::time),
        last_active_at: r.option("last_active_at", Reader::time),
    }
}

fn read_invitation(r: &mut Reader<'_>, _: &'static str) -> Invitation {
    Invitation {
        id: r.text("id"),
        user_id: r.text("user_id"),
        email: r.text("email"),
        roles: r.keys("roles"),
        groups: r.keys("groups"),
        invited_by: r.option("invited_by", Reader::text),
        created_at: r.time("created_at"),
        expires_at: r.time("expires_at"),
        sends: r.u32("sends"),
        state: r.one_of("state", &InvitationState::ALL),
        token_hash: r.hash("token_hash"),
    }
}

fn read_device(r: &mut Reader<'_>, _: &'static str) -> Device {
    Device {
        id: r.text("id"),
        user_id: r.text("user_id"),
        name: r.text("name"),
        platform: r.text("platform"),
        os: r.text("os"),
        first_seen_at: r.time("first_seen_at"),
        last_seen_at: r.time("last_seen_at"),
        revoked_at: r.option("revoked_at", Reader::time),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    fn sample() -> OrgDocument {
        demo::generate(&demo::DemoSpec::small(20, 3)).to_document()
    }

    #[test]
    fn gives_back_the_same_document_in_a_third_of_the_bytes() {
        let doc = sample();
        let bytes = doc.to_compact();
        assert_eq!(OrgDocument::from_compact(&bytes).ok(), Some(doc.clone()));
        let json = serde_json::to_string(&doc).unwrap_or_default();
        assert!(
            bytes.len() * 5 < json.len() * 2,
            "{} vs {}",
            bytes.len(),
            json.len()
        );
        let org = Org::from_compact(&bytes).ok();
        assert_eq!(org.map(|o| o.to_document()), Some(doc));
    }

    #[test]
    fn refuses_every_cut_short_document_without_panicking() {
        let bytes = sample().to_compact();
        for end in 0..bytes.len() {
            let refused = OrgDocument::from_compact(&bytes[..end]);
            assert!(refused.is_err(), "accepted {end} of {} bytes", bytes.len());
        }
        // Cut inside the last user's email: the refusal names it, not what would follow.
        let email = sample().users[19].email.as_str().to_owned();
        let at = bytes
            .windows(email.len())
            .position(|w| w == email.as_bytes())
            .unwrap_or(0);
        let refused = OrgDocument::from_compact(&bytes[..at + 2]).err();
        assert_eq!(
            refused.map(|e| (e.path, e.message)),
            Some(("users[19].email".into(), "the document ends early".into()))
        );
        let mut longer = bytes.clone();
        longer.push(0);
        let refused = OrgDocument::from_compact(&longer).err();
        assert_eq!(
            refused.map(|e| e.message),
            Some("1 bytes after the document".into())
        );
    }

    #[test]
    fn names_the_field_of_a_bad_value() {
        let mut doc = sample();
        let email = doc.users[3].email.as_str().to_owned();
        let bytes = doc.to_compact();
        // The same length keeps the rest of the bytes in place; a space is never valid.
        let bad = email.replacen('@', " ", 1);
        let at = bytes
            .windows(email.len())
            .position(|w| w == email.as_bytes())
            .unwrap_or(0);
        let mut broken = bytes.clone();
        broken[at..at + bad.len()].copy_from_slice(bad.as_bytes());
        let refused = OrgDocument::from_compact(&broken).err();
        assert_eq!(refused.map(|e| e.path), Some("users[3].email".to_owned()));

        // With a later field broken too, the first refusal is still the one told.
        let later = doc.users[5].email.as_str().to_owned();
        let at = broken
            .windows(later.len())
            .position(|w| w == later.as_bytes())
            .unwrap_or(0);
        broken[at..at + later.len()].copy_from_slice(later.replacen('@', " ", 1).as_bytes());
        let refused = OrgDocument::from_compact(&broken).err();
        assert_eq!(refused.map(|e| e.path), Some("users[3].email".to_owned()));

        doc.version = 2;
        let refused = OrgDocument::from_compact(&doc.to_compact()).err();
        assert_eq!(refused.map(|e| e.path), Some("version".to_owned()));
        let refused = OrgDocument::from_compact(b"{\"version\":1}").err();
        assert_eq!(refused.map(|e| e.path), Some(".".to_owned()));
    }

    #[test]
    fn a_document_that_breaks_a_rule_is_refused_as_in_json() {
        let mut doc = sample();
        let twin = doc.users[1].email.clone();
        doc.users[2].email = twin;
        let from_json = Org::from_document(doc.clone()).err();
        let from_compact = Org::from_compact(&doc.to_compact()).err();
        assert!(from_json.is_some());
        assert_eq!(from_compact, from_json);
    }

    #[test]
    fn refuses_lengths_longer_than_the_document() {
        let mut bytes = MAGIC.to_vec();
        bytes.push(1); // version
        bytes.extend([4, b'a', b'c', b'm', b'e', 1, b'A']); // id, name
        bytes.extend([5, 1, 7]); // seats, settings
        bytes.extend([0xff, 0xff, 0xff, 0xff, 0x0f]); // 4 billion permissions
        let refused = OrgDocument::from_compact(&bytes).err();
        assert_eq!(refused.map(|e| e.path), Some("permissions".to_owned()));
    }
}
