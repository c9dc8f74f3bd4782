//! Reading what the user hands in: files or stdin, times, actors; and saving a file safely.

use std::fs;
use std::io::{self, Read};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use roster_engine::text::UserId;
use roster_engine::{Actor, Timestamp};

use crate::Failure;

/// The whole text of `path`, or of stdin when `path` is `-`.
pub(crate) fn read(path: &Path) -> Result<String, Failure> {
    String::from_utf8(read_bytes(path)?)
        .map_err(|_| Failure::new(format!("`{}` is not UTF-8 text", path.display())))
}

/// The whole of `path`, or of stdin when `path` is `-`.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, Failure> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::new(format!("can't read stdin: {e}")))?;
        return Ok(bytes);
    }
    fs::read(path).map_err(|e| Failure::new(format!("can't read `{}`: {e}", path.display())))
}

/// Writes `text` to `path` through a temporary file beside it, so that a failed write never
/// leaves a half-written document where a good one was.
pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<(), Failure> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".roster-{}.tmp", std::process::id()));
    let temporary = Path::new(&temporary);
    let result = fs::write(temporary, text).and_then(|()| fs::rename(temporary, path));
    result.map_err(|e| {
        let _ = fs::remove_file(temporary);
        Failure::new(format!("can't write `{}`: {e}", path.display()))
    })
}

/// `system`, or a user's id.
pub(crate) fn actor(text: &str) -> Result<Actor, Failure> {
    if text == "system" {
        return Ok(Actor::System);
    }
    UserId::new(text)
        .map(Actor::User)
        .map_err(|e| Failure::new(format!("--actor: {e}")))
}

/// The system clock, in whole seconds.
pub(crate) fn system_now() -> Result<Timestamp, Failure> {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Failure::new("the system clock is set before 1970; pass --now"))?;
    let seconds = i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX);
    Ok(Timestamp::from_unix_seconds(seconds))
}

/// An RFC 3339 time: the engine's own `2026-12-03T18:33:59Z`, or with fractional seconds
/// (dropped) and a numeric offset such as `+01:00` (converted to UTC).
pub(crate) fn time(text: &str) -> Result<Timestamp, String> {
    if let Ok(t) = Timestamp::parse(text) {
        return Ok(t);
    }
    let shape = "expected an RFC 3339 time like `2026-01-31T09:30:00Z` or `…+01:00`";
    let (Some(head), Some(mut rest)) = (text.get(..19), text.get(19..)) else {
        return Err(shape.to_owned());
    };
    // RFC 3339 allows a lower-case `t` and `z`; the engine writes only upper case.
    let head = head.replacen('t', "T", 1);
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(shape.to_owned());
        }
        rest = fraction.get(digits..).unwrap_or_default();
    }
    let offset = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let number = |a: &u8, b: &u8| -> Option<i64> {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
            };
            let (Some(hours), Some(minutes)) = (number(h1, h2), number(m1, m2)) else {
                return Err(shape.to_owned());
            };
            if hours > 23 || minutes > 59 {
                return Err("the offset is out of range".to_owned());
            }
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'+' {
                seconds
            } else {
                -seconds
            }
        }
        _ => return Err(shape.to_owned()),
    };
    let local = Timestamp::parse(&format!("{head}Z")).map_err(|e| e.to_string())?;
    Ok(Timestamp::from_unix_seconds(local.unix_seconds() - offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_take_offsets_and_fractions() {
        let at = |text: &str| time(text).map(|t| t.to_string());
        assert_eq!(
            at("2026-12-03T18:33:59Z"),
            Ok("2026-12-03T18:33:59Z".to_owned())
        );
        assert_eq!(
            at("2026-12-03t18:33:59.125z"),
            Ok("2026-12-03T18:33:59Z".to_owned())
        );
        assert_eq!(
            at("2026-12-03T19:33:59+01:00"),
            Ok("2026-12-03T18:33:59Z".to_owned())
        );
        assert_eq!(
            at("2026-12-31T23:00:00-02:30"),
            Ok("2027-01-01T01:30:00Z".to_owned())
        );
        for bad in [
            "",
            "2026-12-03",
            "2026-12-03T18:33:59",
            "2026-12-03T18:33:59+1:00",
        ] {
            assert!(time(bad).is_err(), "{bad:?}");
        }
        assert!(time("2026-12-03T18:33:59.Z").is_err());
        assert!(time("2026-02-30T18:33:59+00:00").is_err());
        assert!(time("2026-12-03T18:33:59+24:00").is_err());
        assert!(time("2026-12-03T18:33:5éZ").is_err());
    }

    #[test]
    fn actors_are_system_or_a_valid_user_id() {
        assert!(matches!(actor("system"), Ok(Actor::System)));
        assert!(matches!(actor("usr_00001"), Ok(Actor::User(id)) if id.as_str() == "usr_00001"));
        assert!(actor("not an id").is_err());
    }
}
