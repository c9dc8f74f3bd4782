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
use crate::text::ValueError;
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

const STATES: [InvitationState; 4] = [
    InvitationState::Pending,
    InvitationState::Accepted,
    InvitationState::Revoked,
    InvitationState::Expired,
];

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
            w.0.push(Status::ALL.iter().position(|s| *s == u.status).unwrap_or(0) as u8);
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
            w.0.push(STATES.iter().position(|s| *s == i.state).unwrap_or(0) as u8);
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
        let mut r = Reader { bytes, at: 0 };
        let doc = read_document(&mut r).map_err(Bad::into_error)?;
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

/// A refusal on its way out: the reason, and the path so far, innermost segment first.
struct Bad {
    message: String,
    path: Vec<Segment>,
}

enum Segment {
    Field(&'static str),
    Index(usize),
}

impl Bad {
    fn new(message: impl Into<String>) -> Bad {
        Bad {
            message: message.into(),
            path: Vec::new(),
        }
    }

    fn into_error(self) -> DocumentError {
        let mut path = String::new();
        for segment in self.path.iter().rev() {
            match segment {
                Segment::Field(name) if path.is_empty() => path.push_str(name),
                Segment::Field(name) => {
                    path.push('.');
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
        DocumentError {
            path,
            message: self.message,
        }
    }
}

impl From<ValueError> for Bad {
    fn from(e: ValueError) -> Bad {
        Bad::new(e.to_string())
    }
}

/// Names where a refusal happened, as it passes out of a field or a list item.
trait At<T> {
    fn at(self, field: &'static str) -> Result<T, Bad>;
}

impl<T> At<T> for Result<T, Bad> {
    fn at(self, field: &'static str) -> Result<T, Bad> {
        self.map_err(|mut bad| {
            bad.path.push(Segment::Field(field));
            bad
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, Bad> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| Bad::new("the document ends early"))?;
        self.at += 1;
        Ok(b)
    }

    fn uint(&mut self) -> Result<u64, Bad> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(Bad::new("a number longer than 64 bits"))
    }

    fn u32(&mut self) -> Result<u32, Bad> {
        let n = self.uint()?;
        u32::try_from(n).map_err(|_| Bad::new(format!("{n} is more than {}", u32::MAX)))
    }

    fn str(&mut self) -> Result<&'a str, Bad> {
        let len = self.uint()?;
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| self.at.checked_add(len))
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| Bad::new("the document ends early"))?;
        let text = std::str::from_utf8(&self.bytes[self.at..end])
            .map_err(|_| Bad::new("text that is not UTF-8"))?;
        self.at = end;
        Ok(text)
    }

    /// Text checked by the constructor of its type.
    fn text<T: TryFrom<String, Error = ValueError>>(&mut self) -> Result<T, Bad> {
        Ok(T::try_from(self.str()?.to_owned())?)
    }

    fn bool(&mut self) -> Result<bool, Bad> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(Bad::new(format!(
                "expected 0 or 1 for a boolean, found {b}"
            ))),
        }
    }

    fn time(&mut self) -> Result<Timestamp, Bad> {
        let seconds = i64::try_from(self.uint()?).unwrap_or(i64::MAX);
        let time = Timestamp::from_unix_seconds(seconds);
        if time.unix_seconds() != seconds {
            return Err(Bad::new(format!(
                "{seconds} seconds is after the year 9999"
            )));
        }
        Ok(time)
    }

    fn option<T>(
        &mut self,
        read: impl FnOnce(&mut Reader<'a>) -> Result<T, Bad>,
    ) -> Result<Option<T>, Bad> {
        match self.byte()? {
            0 => Ok(None),
            1 => read(self).map(Some),
            b => Err(Bad::new(format!(
                "expected 0 or 1 for absent or present, found {b}"
            ))),
        }
    }

    fn list<T>(
        &mut self,
        mut read: impl FnMut(&mut Reader<'a>) -> Result<T, Bad>,
    ) -> Result<Vec<T>, Bad> {
        let len = self.uint()?;
        // Every item takes at least a byte: a length beyond what is left is a lie, and must
        // not reserve memory.
        let left = (self.bytes.len() - self.at) as u64;
        if len > left {
            return Err(Bad::new("the document ends early"));
        }
        let mut items = Vec::with_capacity(len as usize);
        for i in 0..len as usize {
            let item = read(self).map_err(|mut bad| {
                bad.path.push(Segment::Index(i));
                bad
            })?;
            items.push(item);
        }
        Ok(items)
    }

    fn keys<K: TryFrom<String, Error = ValueError> + Ord>(&mut self) -> Result<KeySet<K>, Bad> {
        Ok(self.list(Reader::text)?.into_iter().collect())
    }

    fn one_of<T: Copy>(&mut self, values: &[T], what: &str) -> Result<T, Bad> {
        let b = self.byte()?;
        values
            .get(usize::from(b))
            .copied()
            .ok_or_else(|| Bad::new(format!("{b} is not a {what}")))
    }

    fn hash(&mut self) -> Result<TokenHash, Bad> {
        let mut hex = String::with_capacity(64);
        for _ in 0..32 {
            let _ = write!(hex, "{:02x}", self.byte()?);
        }
        TokenHash::try_from(hex).map_err(Bad::new)
    }
}

fn read_document(r: &mut Reader<'_>) -> Result<OrgDocument, Bad> {
    if r.bytes.get(..4) != Some(MAGIC.as_slice()) {
        return Err(Bad::new(
            "not a compact org document (no `RSTR` at the start)",
        ));
    }
    r.at = 4;
    let version = r.u32().at("version")?;
    if version != DOCUMENT_VERSION {
        let message = format!("unsupported version {version}: expected {DOCUMENT_VERSION}");
        return Err(Bad::new(message)).at("version");
    }
    let org = read_header(r).at("org")?;
    let permissions = r.list(read_permission).at("permissions")?;
    let roles = r.list(read_role).at("roles")?;
    let groups = r.list(read_group).at("groups")?;
    let users = r.list(read_user).at("users")?;
    let invitations = r.list(read_invitation).at("invitations")?;
    let devices = r.list(read_device).at("devices")?;
    Ok(OrgDocument {
        version,
        org,
        permissions,
        roles,
        groups,
        users,
        invitations,
        devices,
    })
}

fn read_header(r: &mut Reader<'_>) -> Result<OrgHeader, Bad> {
    Ok(OrgHeader {
        id: r.text().at("id")?,
        name: r.text().at("name")?,
        seats_purchased: r.u32().at("seats_purchased")?,
        settings: OrgSettings {
            seat_on_accept: r.bool().at("seat_on_accept").at("settings")?,
            invitation_days: r.u32().at("invitation_days").at("settings")?,
        },
    })
}

fn read_permission(r: &mut Reader<'_>) -> Result<ProductPermission, Bad> {
    Ok(ProductPermission {
        key: r.text().at("key")?,
        description: r.option(Reader::text).at("description")?,
        needs_seat: r.bool().at("needs_seat")?,
        builtin_roles: r.list(Reader::text).at("builtin_roles")?,
    })
}

fn read_role(r: &mut Reader<'_>) -> Result<CustomRole, Bad> {
    Ok(CustomRole {
        key: r.text().at("key")?,
        name: r.text().at("name")?,
        description: r.option(Reader::text).at("description")?,
        permissions: r.keys().at("permissions")?,
    })
}

fn read_group(r: &mut Reader<'_>) -> Result<Group, Bad> {
    Ok(Group {
        key: r.text().at("key")?,
        name: r.text().at("name")?,
        description: r.option(Reader::text).at("description")?,
        roles: r.keys().at("roles")?,
        parents: r.keys().at("parents")?,
    })
}

fn read_user(r: &mut Reader<'_>) -> Result<User, Bad> {
    Ok(User {
        id: r.text().at("id")?,
        email: r.text().at("email")?,
        name: r.option(Reader::text).at("name")?,
        status: r.one_of(&Status::ALL, "status").at("status")?,
        roles: r.keys().at("roles")?,
        groups: r.keys().at("groups")?,
        seat: r.bool().at("seat")?,
        settings: UserSettings {
            locale: r.option(Reader::text).at("locale").at("settings")?,
            time_zone: r.option(Reader::text).at("time_zone").at("settings")?,
        },
        created_at: r.time().at("created_at")?,
        joined_at: r.option(Reader::time).at("joined_at")?,
        last_active_at: r.option(Reader::time).at("last_active_at")?,
    })
}

fn read_invitation(r: &mut Reader<'_>) -> Result<Invitation, Bad> {
    Ok(Invitation {
        id: r.text().at("id")?,
        user_id: r.text().at("user_id")?,
        email: r.text().at("email")?,
        roles: r.keys().at("roles")?,
        groups: r.keys().at("groups")?,
        invited_by: r.option(Reader::text).at("invited_by")?,
        created_at: r.time().at("created_at")?,
        expires_at: r.time().at("expires_at")?,
        sends: r.u32().at("sends")?,
        state: r.one_of(&STATES, "invitation state").at("state")?,
        token_hash: r.hash().at("token_hash")?,
    })
}

fn read_device(r: &mut Reader<'_>) -> Result<Device, Bad> {
    Ok(Device {
        id: r.text().at("id")?,
        user_id: r.text().at("user_id")?,
        name: r.text().at("name")?,
        platform: r.text().at("platform")?,
        os: r.text().at("os")?,
        first_seen_at: r.time().at("first_seen_at")?,
        last_seen_at: r.time().at("last_seen_at")?,
        revoked_at: r.option(Reader::time).at("revoked_at")?,
    })
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
