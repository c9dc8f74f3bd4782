//! The engine's answers as text for people: summaries, explanations, lists and tables.

use std::collections::BTreeSet;
use std::fmt::Write;

use roster_engine::{DenyReason, Explanation, Grant, Org, Page, Status, User};
use serde_json::{json, Value};

/// One line: users per status, groups, custom roles and seats.
pub(crate) fn summary(org: &Org) -> String {
    let count = |status: Status| org.users().filter(|u| u.status == status).count();
    let seats = org.seat_usage();
    format!(
        "ok: org `{}`: {} ({} active, {} invited, {} suspended, {} deactivated), \
         {}, {}, seats {} purchased / {} held / {} free\n",
        org.id(),
        counted(org.users().len(), "user", "users"),
        count(Status::Active),
        count(Status::Invited),
        count(Status::Suspended),
        count(Status::Deactivated),
        counted(org.groups().len(), "group", "groups"),
        counted(org.custom_roles().len(), "custom role", "custom roles"),
        seats.purchased,
        seats.held,
        seats.free,
    )
}

fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The decision on its own line, then one indented line per grant or reason.
pub(crate) fn explanation(user: &str, permission: &str, why: &Explanation) -> String {
    let mut out = String::new();
    if why.is_allowed() {
        let _ = writeln!(out, "allow {user} {permission}");
        for grant in &why.grants {
            let _ = writeln!(out, "  via {}", grant_text(grant));
        }
        return out;
    }
    let _ = writeln!(out, "deny {user} {permission}");
    for reason in &why.deny_reasons {
        let _ = writeln!(out, "  {}", deny_text(reason, user, permission));
    }
    // Grants that a deny overrides still show what would apply once the reason is gone.
    for grant in &why.grants {
        let _ = writeln!(out, "  would be granted via {}", grant_text(grant));
    }
    out
}

fn grant_text(grant: &Grant) -> String {
    let mut text = format!("role {}", grant.role);
    if !grant.via.is_empty() {
        let chain: Vec<&str> = grant.via.iter().map(|g| g.as_str()).collect();
        let _ = write!(text, " through group {}", chain.join(" > "));
    }
    text
}

fn deny_text(reason: &DenyReason, user: &str, permission: &str) -> String {
    match reason {
        DenyReason::UnknownUser => format!("not a user: no user has the id `{user}`"),
        DenyReason::UnknownPermission => {
            format!("unknown permission: `{permission}` is not in the catalog")
        }
        DenyReason::NotActive { status } => {
            format!(
                "not active: the user is {}, and only active users are allowed",
                status.as_str()
            )
        }
        DenyReason::NeedsSeat => {
            format!("needs a seat: `{permission}` is product access and the user holds no seat")
        }
        DenyReason::NotGranted => {
            "not granted: no role the user holds, directly or through a group, carries it"
                .to_owned()
        }
    }
}

/// The user's effective permissions, one per line, marking those that need a seat.
pub(crate) fn permissions(org: &Org, user: &User) -> String {
    let keys = org.effective_permissions(user.id.as_str());
    let width = keys.iter().map(|k| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for key in keys {
        if org.permission_needs_seat(key) == Some(true) {
            let _ = writeln!(out, "{key:<width$}  (needs a seat)");
        } else {
            let _ = writeln!(out, "{key}");
        }
    }
    out
}

/// The same as [`permissions`], as JSON.
pub(crate) fn permissions_json(org: &Org, user: &User) -> Value {
    let permissions: Vec<Value> = org
        .effective_permissions(user.id.as_str())
        .into_iter()
        .map(
            |key| json!({ "key": key, "needs_seat": org.permission_needs_seat(key) == Some(true) }),
        )
        .collect();
    json!({
        "user_id": user.id.as_str(),
        "status": user.status.as_str(),
        "seat": user.seat,
        "permissions": permissions,
    })
}

/// One user per line: id, then email.
pub(crate) fn holders(users: &[&User]) -> String {
    let width = users.iter().map(|u| u.id.as_str().len()).max().unwrap_or(0);
    let mut out = String::new();
    for user in users {
        let _ = writeln!(out, "{:<width$}  {}", user.id.as_str(), user.email);
    }
    out
}

/// Seats purchased, held and free, and active users left without one.
pub(crate) fn seats(org: &Org) -> String {
    let usage = org.seat_usage();
    let seatless = org
        .users()
        .filter(|u| u.status == Status::Active && !u.seat)
        .count();
    format!(
        "purchased  {}\nheld       {}\nfree       {}\nactive users without a seat  {}\n",
        usage.purchased, usage.held, usage.free, seatless
    )
}

/// A page of users as an aligned table, then a line with the count and the next cursor.
pub(crate) fn user_table(org: &Org, page: &Page<'_>) -> String {
    let header = ["ID", "NAME", "EMAIL", "STATUS", "SEAT", "ROLES"].map(str::to_owned);
    let mut rows = vec![header];
    for user in &page.users {
        rows.push([
            user.id.to_string(),
            user.name
                .as_ref()
                .map_or_else(|| "-".to_owned(), ToString::to_string),
            user.email.to_string(),
            user.status.as_str().to_owned(),
            if user.seat { "yes" } else { "no" }.to_owned(),
            roles_held(org, user),
        ]);
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }

    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = width - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = write!(out, "{} of {} users", page.users.len(), page.total);
    match &page.next_cursor {
        Some(cursor) => {
            let _ = writeln!(out, "; next cursor: {cursor}");
        }
        None => out.push('\n'),
    }
    out
}

/// Every role the user holds, directly or through a group, without repeats.
fn roles_held(org: &Org, user: &User) -> String {
    let roles: BTreeSet<String> = org
        .roles_held(user)
        .into_iter()
        .map(|g| g.role.into())
        .collect();
    if roles.is_empty() {
        return "-".to_owned();
    }
    roles.into_iter().collect::<Vec<_>>().join(",")
}
