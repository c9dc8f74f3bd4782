//! The users of an org as CSV (RFC 4180 quoting), safe to open in a spreadsheet.
//!
//! Names are free text, so a field may start with `=` or `@` and be taken for a formula by
//! the spreadsheet that opens the file. Such fields get a leading `'`, which spreadsheets show
//! as text and nothing else reads as special.

use std::borrow::Cow;

use roster_engine::{Org, User};

const HEADER: &str = "id,email,name,status,seat,roles,groups,last_active_at";

/// One line per user in id order, after a header; roles and groups are joined by `;`.
pub(crate) fn users(org: &Org) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for user in org.users() {
        let values = row(user);
        let line: Vec<Cow<'_, str>> = values.iter().map(|v| field(v)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn row(user: &User) -> [String; 8] {
    let join = |items: Vec<&str>| items.join(";");
    [
        user.id.to_string(),
        user.email.to_string(),
        user.name
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        user.status.as_str().to_owned(),
        user.seat.to_string(),
        join(user.roles.iter().map(|r| r.as_str()).collect()),
        join(user.groups.iter().map(|g| g.as_str()).collect()),
        user.last_active_at
            .map(|t| t.to_string())
            .unwrap_or_default(),
    ]
}

/// A value as one CSV field: formula-like starts defused, then quoted where needed.
fn field(value: &str) -> Cow<'_, str> {
    let formula_like = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let needs_quotes = value.contains([',', '"', '\n', '\r']);
    if !formula_like && !needs_quotes {
        return Cow::Borrowed(value);
    }
    let value = if formula_like {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if needs_quotes {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        Cow::Owned(value)
    }
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn plain_fields_pass_through() {
        assert_eq!(field("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(field(""), "");
        assert_eq!(field("ada@example.com"), "ada@example.com");
    }

    #[test]
    fn separators_quotes_and_newlines_are_quoted() {
        assert_eq!(field("Lovelace, Ada"), "\"Lovelace, Ada\"");
        assert_eq!(field("Ada \"Countess\" L"), "\"Ada \"\"Countess\"\" L\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("carriage\rreturn"), "\"carriage\rreturn\"");
    }

    #[test]
    fn formula_starts_are_defused() {
        assert_eq!(field("=1+1"), "'=1+1");
        assert_eq!(field("+33 1 23"), "'+33 1 23");
        assert_eq!(field("-2"), "'-2");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(
            field("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
        assert_eq!(field("a=b"), "a=b");
    }
}
