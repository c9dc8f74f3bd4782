//! Validated strings: ids, keys, emails, names and the other text the engine stores.
//!
//! Each type can only hold a value that passed its rules, so the rest of the engine never
//! re-checks. Deserialising goes through the same constructor, so a bad document is refused
//! at the field that holds the bad value.

use std::borrow::Borrow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::limits;

/// A value refused by one of the text types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// What the value was meant to be, e.g. `email`.
    pub kind: &'static str,
    /// The refused value, shortened and with control characters escaped.
    pub value: String,
    /// Why it was refused.
    pub reason: &'static str,
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} `{}`: {}", self.kind, self.value, self.reason)
    }
}

impl std::error::Error for ValueError {}

/// The refused value as shown in an error: at most 60 characters, control and text-direction
/// characters escaped (`\u{7}`). (Only those: escaping every unprintable character would
/// carry Unicode's tables of them into the element.)
pub(crate) fn shown(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars().take(60) {
        if forbidden_char(c, false) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    if value.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// A text type as the compact reader builds it: checked from a `String`, or an empty
/// stand-in while the reader carries a refusal (the stand-in never leaves the reader: the
/// read as a whole is refused).
pub(crate) trait Text: TryFrom<String, Error = ValueError> {
    fn stand_in() -> Self;
}

macro_rules! text_type {
    ($(#[$meta:meta])* $name:ident, $kind:literal, $rule:path) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Checks (and where the rules say so, normalises) a value.
            pub fn new(value: impl Into<String>) -> Result<$name, ValueError> {
                let value = value.into();
                match $rule(&value) {
                    Ok(normal) => Ok($name(normal.unwrap_or(value))),
                    Err(reason) => Err(ValueError { kind: $kind, value: shown(&value), reason }),
                }
            }

            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Wraps a value known to pass the rules, such as a constant of the engine's own.
            #[allow(dead_code)]
            pub(crate) fn trusted(value: &str) -> $name {
                debug_assert!($rule(value).is_ok(), "{value:?} breaks the rules");
                $name(value.to_owned())
            }
        }

        impl Text for $name {
            fn stand_in() -> $name {
                $name(String::new())
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;
            fn try_from(value: String) -> Result<$name, ValueError> {
                $name::new(value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValueError;
            fn try_from(value: &str) -> Result<$name, ValueError> {
                $name::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// A rule returns `Ok(None)` to keep the value as given, `Ok(Some(v))` to store `v` instead.
type Rule = Result<Option<String>, &'static str>;

text_type!(
    /// The id of a user (a member of an org), such as `usr_7kq2…`.
    UserId, "user id", id_rule
);
text_type!(
    /// The id of an invitation.
    InvitationId, "invitation id", id_rule
);
text_type!(
    /// The id of a device seen for a user.
    DeviceId, "device id", id_rule
);
text_type!(
    /// An org's key, such as `acme`.
    OrgId, "org id", key_rule
);
text_type!(
    /// A role's key: a built-in one (`owner`, `admin`, …) or a custom one.
    RoleKey, "role key", key_rule
);
text_type!(
    /// A group's key, such as `engineering`.
    GroupKey, "group key", key_rule
);
text_type!(
    /// A permission's key, `resource:action`, such as `users:invite` or `reports:export`.
    PermissionKey, "permission key", permission_rule
);
text_type!(
    /// An email address, stored trimmed and in lower case so that it is unique per org.
    Email, "email", email_rule
);
text_type!(
    /// A display name of a user, role, group or org.
    Name, "name", name_rule
);
text_type!(
    /// A free-text description of a role, group or permission.
    Description, "description", description_rule
);
text_type!(
    /// A short label: a device's name, platform or operating system.
    Label, "label", label_rule
);
text_type!(
    /// A locale tag in the shape of BCP 47, such as `en` or `fr-CA`.
    Locale, "locale", locale_rule
);
text_type!(
    /// A time zone name in the shape of the IANA database, such as `Europe/Paris` or `UTC`.
    TimeZone, "time zone", time_zone_rule
);

fn id_rule(value: &str) -> Rule {
    if value.is_empty() {
        return Err("must not be empty");
    }
    if value.len() > limits::ID_BYTES {
        return Err("longer than 64 bytes");
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err("may only hold letters, digits, `_` and `-`");
    }
    Ok(None)
}

fn key_part_ok(value: &str, max: usize) -> Result<(), &'static str> {
    let mut bytes = value.bytes();
    match bytes.next() {
        None => return Err("must not be empty"),
        Some(b) if !b.is_ascii_lowercase() => return Err("must start with a letter from a to z"),
        Some(_) => {}
    }
    if value.len() > max {
        return Err("too long");
    }
    if !bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-') {
        return Err("may only hold a-z, 0-9, `_` and `-`");
    }
    Ok(())
}

fn key_rule(value: &str) -> Rule {
    key_part_ok(value, limits::KEY_BYTES).map(|()| None)
}

fn permission_rule(value: &str) -> Rule {
    let Some((resource, action)) = value.split_once(':') else {
        return Err("must be `resource:action`");
    };
    key_part_ok(resource, limits::PERMISSION_PART_BYTES)?;
    key_part_ok(action, limits::PERMISSION_PART_BYTES)?;
    Ok(None)
}

/// Whether `email` plainly passes the email rule: lower-case letters, digits and `._+-`
/// before the `@`, a host name after it, within the lengths. One pass over the bytes, for
/// the addresses a document holds by the thousand; `false` only says "not plainly", and the
/// full rule then decides and says why.
fn plainly_valid_email(email: &str) -> bool {
    let bytes = email.as_bytes();
    let Some(at) = bytes.iter().position(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    if bytes.len() > limits::EMAIL_BYTES
        || local.is_empty()
        || local.len() > limits::EMAIL_LOCAL_BYTES
        || local[0] == b'.'
        || local[local.len() - 1] == b'.'
    {
        return false;
    }
    let mut previous = 0;
    for &b in local {
        let allowed = matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'+' | b'-')
            || (b == b'.' && previous != b'.');
        if !allowed {
            return false;
        }
        previous = b;
    }
    // Each label: 1 to 63 letters, digits or `-`, not starting or ending with `-`; the end
    // closes the last label as a dot would.
    let (mut start, mut labels) = (0, 0);
    for i in 0..=domain.len() {
        let b = domain.get(i).copied().unwrap_or(b'.');
        if b == b'.' {
            let label = &domain[start..i];
            if label.is_empty() || label.len() > 63 || label[0] == b'-' || domain[i - 1] == b'-' {
                return false;
            }
            (start, labels) = (i + 1, labels + 1);
        } else if !matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-') {
            return false;
        }
    }
    labels >= 2
}

fn email_rule(value: &str) -> Rule {
    if plainly_valid_email(value) {
        return Ok(None);
    }
    full_email_rule(value)
}

fn full_email_rule(value: &str) -> Rule {
    let trimmed = value.trim();
    // Addresses mostly arrive normalised (documents hold them so); checking those in place
    // spares a copy of each when a 10,000-user org is read.
    let normal = trimmed.len() == value.len() && !value.bytes().any(|b| b.is_ascii_uppercase());
    let lowered;
    let email = if normal {
        value
    } else {
        lowered = trimmed.to_ascii_lowercase();
        lowered.as_str()
    };
    if email.len() > limits::EMAIL_BYTES {
        return Err("longer than 254 bytes");
    }
    if !email.is_ascii() {
        return Err("only ASCII addresses are accepted");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err("missing `@`");
    };
    if local.is_empty() || local.len() > limits::EMAIL_LOCAL_BYTES {
        return Err("the part before `@` must be 1 to 64 bytes");
    }
    let local_ok = local
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
    let double_dot = local.as_bytes().windows(2).any(|w| w == b"..");
    if !local_ok || local.starts_with('.') || local.ends_with('.') || double_dot {
        return Err("the part before `@` holds a character or dot that is not allowed");
    }
    if !domain.contains('.') {
        return Err("the domain needs a dot");
    }
    for label in domain.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err("the domain is not a valid host name");
        }
    }
    Ok((!normal).then(|| email.to_owned()))
}

fn forbidden_char(c: char, allow_newline: bool) -> bool {
    (c.is_control() && !(allow_newline && c == '\n'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn human_text(value: &str, max_chars: usize, allow_newline: bool) -> Rule {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("must not be empty");
    }
    let (chars, forbidden) = counted(trimmed, allow_newline);
    if chars > max_chars {
        return Err("too long");
    }
    if forbidden {
        return Err("holds a control or text-direction character");
    }
    Ok((trimmed.len() != value.len()).then(|| trimmed.to_owned()))
}

/// How many characters `text` holds, and whether one is forbidden. ASCII text (most names
/// and labels) is read a byte at a time: an ASCII character is forbidden only as a control.
fn counted(text: &str, allow_newline: bool) -> (usize, bool) {
    if text.is_ascii() {
        let control = |b: &u8| b.is_ascii_control() && !(allow_newline && *b == b'\n');
        return (text.len(), text.as_bytes().iter().any(control));
    }
    let chars = text.chars().count();
    (
        chars,
        text.chars().any(|c| forbidden_char(c, allow_newline)),
    )
}

/// Whether `text` holds `<` or `>` (bytes that never occur inside another UTF-8 character).
fn has_markup(text: &str) -> bool {
    text.bytes().any(|b| b == b'<' || b == b'>')
}

/// Whether `value` plainly passes a one-line text rule of at most `max_chars` characters:
/// printable ASCII without `<` or `>`, not starting or ending with a space. One pass, for the
/// names and labels a document holds by the thousand; `false` leaves it to the full rule.
fn plainly_valid_line(value: &str, max_chars: usize) -> bool {
    let bytes = value.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) if first != b' ' && last != b' ' => {
            bytes.len() <= max_chars
                && bytes
                    .iter()
                    .all(|&b| matches!(b, b' '..=b'~') && b != b'<' && b != b'>')
        }
        _ => false,
    }
}

fn name_rule(value: &str) -> Rule {
    if plainly_valid_line(value, limits::NAME_CHARS) {
        return Ok(None);
    }
    // Names appear in tables, emails and other products' pages; refusing markup here keeps
    // a careless consumer safe even though our own renderers treat names as text.
    if has_markup(value) {
        return Err("must not hold `<` or `>`");
    }
    human_text(value, limits::NAME_CHARS, false)
}

fn description_rule(value: &str) -> Rule {
    let (chars, forbidden) = counted(value, true);
    if chars > limits::DESCRIPTION_CHARS {
        return Err("longer than 500 characters");
    }
    if forbidden {
        return Err("holds a control or text-direction character");
    }
    Ok(None)
}

fn label_rule(value: &str) -> Rule {
    if plainly_valid_line(value, limits::LABEL_CHARS) {
        return Ok(None);
    }
    if has_markup(value) {
        return Err("must not hold `<` or `>`");
    }
    human_text(value, limits::LABEL_CHARS, false)
}

fn locale_rule(value: &str) -> Rule {
    if value.len() > limits::LOCALE_BYTES {
        return Err("longer than 35 bytes");
    }
    let mut parts = value.split('-');
    let language = parts.next().unwrap_or_default();
    if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err("must start with a two- or three-letter language code");
    }
    if !parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return Err("each part after `-` must be 1 to 8 letters or digits");
    }
    Ok(None)
}

fn time_zone_rule(value: &str) -> Rule {
    if value.len() > limits::TIME_ZONE_BYTES {
        return Err("longer than 64 bytes");
    }
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_+-".contains(&b))
            && p.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
    };
    if !value.split('/').all(part_ok) {
        return Err("must look like `Area/City` or `UTC`");
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::new("  Ada@Example.COM ").map(String::from),
            Ok("ada@example.com".into())
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "a da@example.com",
            "ada@exa_mple.com",
            "ada@-example.com",
            ".ada@example.com",
            "ada..b@example.com",
            "adé@example.com",
            "<script>@example.com",
            "ada@example.com\n",
        ] {
            if bad.ends_with('\n') {
                // Trimming removes the newline, so this one is a valid address.
                assert!(Email::new(bad).is_ok());
                continue;
            }
            let err = Email::new(bad).expect_err(bad);
            assert_eq!(err.kind, "email");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert!(Email::new(long).is_err());
    }

    #[test]
    fn names_refuse_markup_controls_and_direction_overrides() {
        assert_eq!(
            Name::new("  Ada Lovelace ").map(String::from),
            Ok("Ada Lovelace".into())
        );
        assert!(Name::new("Zoë Ñúñez 李").is_ok());
        for bad in [
            "",
            "   ",
            "<img src=x onerror=alert(1)>",
            "a\u{0}b",
            "tab\there",
            "x\u{202E}y",
        ] {
            let err = Name::new(bad).expect_err(bad);
            assert!(
                !err.value.contains('\u{0}'),
                "error must escape controls: {err}"
            );
        }
        assert!(Name::new("x".repeat(101)).is_err());
        assert!(Name::new("x".repeat(100)).is_ok());
    }

    #[test]
    fn keys_and_permissions_follow_their_shape() {
        assert!(RoleKey::new("support-lead_2").is_ok());
        for bad in ["", "Admin", "2fa", "a b", "a:b", &"k".repeat(41)] {
            assert!(RoleKey::new(bad).is_err(), "{bad:?}");
        }
        assert!(PermissionKey::new("reports:export").is_ok());
        for bad in ["reports", "reports:", ":export", "Reports:export", "a:b:c"] {
            assert!(PermissionKey::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn locales_time_zones_and_ids() {
        for good in ["en", "fr-CA", "zh-Hant-TW"] {
            assert!(Locale::new(good).is_ok(), "{good}");
        }
        for bad in ["e", "english", "en_GB", "en--x", ""] {
            assert!(Locale::new(bad).is_err(), "{bad:?}");
        }
        for good in [
            "UTC",
            "Europe/Paris",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+5",
        ] {
            assert!(TimeZone::new(good).is_ok(), "{good}");
        }
        for bad in ["", "/Paris", "Europe//Paris", "Europe/Par is", "1/2"] {
            assert!(TimeZone::new(bad).is_err(), "{bad:?}");
        }
        assert!(UserId::new("usr_ABC-123").is_ok());
        assert!(UserId::new("usr 1").is_err());
        assert!(UserId::new("x".repeat(65)).is_err());
    }

    #[test]
    fn errors_show_the_value_escaped_and_shortened() {
        let err = Name::new(format!("\u{7}{}", "y".repeat(200))).expect_err("control char");
        assert!(err.to_string().starts_with("invalid name `\\u{7}yyy"));
        assert!(err.value.ends_with('…'));
    }

    #[test]
    fn plain_values_take_the_one_pass_shortcut() {
        for email in ["ada@example.com", "a.b+c_d-e@mail.example-1.co", "x@y.z"] {
            assert!(plainly_valid_email(email), "{email}");
        }
        for email in [
            "Ada@example.com",
            "a..b@x.io",
            ".a@x.io",
            "a@x",
            "a@-x.io",
            "a@x-.io",
        ] {
            assert!(!plainly_valid_email(email), "{email}");
        }
        // Each length limit, on both sides: the shortcut refuses past it as the rule does.
        let local = |n: usize| format!("{}@x.io", "a".repeat(n));
        assert!(plainly_valid_email(&local(64)) && !plainly_valid_email(&local(65)));
        let label = |n: usize| format!("a@{}.io", "b".repeat(n));
        assert!(plainly_valid_email(&label(63)) && !plainly_valid_email(&label(64)));
        let whole = |n: usize| format!("a@{}io", "b.".repeat(n));
        assert_eq!((whole(125).len(), whole(126).len()), (254, 256));
        assert!(plainly_valid_email(&whole(125)) && !plainly_valid_email(&whole(126)));
        for n in [64, 65] {
            assert_eq!(
                plainly_valid_email(&local(n)),
                email_rule(&local(n)).is_ok()
            );
        }
        let long = "x".repeat(100);
        assert!(plainly_valid_line(&long, 100) && !plainly_valid_line(&format!("{long}x"), 100));
        assert!(plainly_valid_line("Ada Lovelace", 100));
        assert!(!plainly_valid_line(" Ada", 100) && !plainly_valid_line("<b>", 100));
        assert!(!plainly_valid_line("", 100) && !plainly_valid_line("Ada", 2));
    }

    // The byte-at-a-time paths must decide exactly as the character-by-character rules.
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn ascii_shortcuts_decide_as_the_full_rules(
            text in "[ -~\t\n\u{7f}\u{e9}\u{202e}]{0,12}",
            newline: bool,
        ) {
            let full = (
                text.chars().count(),
                text.chars().any(|c| forbidden_char(c, newline)),
            );
            proptest::prop_assert_eq!(counted(&text, newline), full);
            proptest::prop_assert_eq!(has_markup(&text), text.contains(['<', '>']));
        }

        #[test]
        fn what_is_plainly_valid_passes_the_full_rules(
            email in "[a-z0-9._+-]{0,5}@?[a-z0-9.-]{0,9}",
            line in "[ -~]{0,5}",
        ) {
            if plainly_valid_email(&email) {
                proptest::prop_assert_eq!(full_email_rule(&email), Ok(None));
            }
            for max in [3, 100] {
                if plainly_valid_line(&line, max) {
                    proptest::prop_assert!(!has_markup(&line));
                    proptest::prop_assert_eq!(human_text(&line, max, false), Ok(None));
                }
            }
        }

        #[test]
        fn normal_emails_are_checked_as_lowered_ones(
            email in "[ a-zA-Z.@_-]{0,6}@?[a-zA-Z.-]{0,8}[ ]?",
        ) {
            let lowered = email.trim().to_ascii_lowercase();
            let direct = email_rule(&email).map(|normal| normal.unwrap_or(email.clone()));
            let after = email_rule(&lowered).map(|normal| normal.unwrap_or(lowered.clone()));
            proptest::prop_assert_eq!(direct, after);
        }
    }
}
