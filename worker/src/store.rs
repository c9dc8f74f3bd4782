//! D1 as the source of truth, and what each isolate keeps between requests.
//!
//! Each record of an org is one row holding the engine's JSON for it, beside the columns the
//! database itself enforces: emails unique per org, seats only for active users, and (by
//! triggers) never more seats held than purchased. `orgs.version` counts changes; every write
//! is one D1 batch that first checks the version it read (a failing `CHECK` aborts the whole
//! batch), then writes the records and their audit rows. So a change is all or nothing, and
//! of two concurrent writers one wins and the other retries on fresh state.
//!
//! An isolate keeps each org it has loaded, with its version, and a lock per org: requests in
//! one isolate take turns, read the version (one small query) and reload only when another
//! isolate has changed the org.

use std::cell::RefCell;
use std::collections::HashMap;

use roster_engine::command::TargetKind;
use roster_engine::{Command, Context, Org, OrgDocument, Outcome, SystemEntropy, Timestamp};
use serde::Deserialize;
use serde_json::{json, Value};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::problem::Problem;

/// An org loaded at a version.
pub struct Loaded {
    pub version: i64,
    pub org: Org,
}

impl Loaded {
    /// A freshly loaded (or imported) org at `version`.
    pub fn new(version: i64, org: Org) -> Loaded {
        Loaded { version, org }
    }
}

/// An org's place in this isolate: the copy loaded (absent while a request holds it), and
/// who holds it.
#[derive(Default)]
struct Slot {
    loaded: Option<Loaded>,
    // INVARIANT: at most one live session per org holds the slot; it gives `loaded` back on
    // drop. A holder older than LEASE_MS is presumed lost (a request the runtime abandoned
    // never drops its future), and the next request takes over.
    holder: Option<(u64, u64)>,
}

/// How long a session may hold an org before others presume it lost.
const LEASE_MS: u64 = 10_000;

thread_local! {
    /// One slot per org this isolate has served.
    static ORGS: RefCell<HashMap<String, Slot>> = RefCell::new(HashMap::new());
    static NEXT_TOKEN: std::cell::Cell<u64> = const { std::cell::Cell::new(1) };
}

fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

/// Takes the org's slot if it is free (or its holder is presumed lost); returns the copy it
/// held, if any.
fn try_take(org_id: &str, token: u64) -> Option<Option<Loaded>> {
    ORGS.with(|orgs| {
        let mut orgs = orgs.borrow_mut();
        let slot = orgs.entry(org_id.to_owned()).or_default();
        let now = now_ms();
        match slot.holder {
            Some((_, since)) if now.saturating_sub(since) < LEASE_MS => None,
            _ => {
                slot.holder = Some((token, now));
                Some(slot.loaded.take())
            }
        }
    })
}

/// A text value bound into SQL.
pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

/// An integer bound into SQL (D1 takes numbers as doubles; ours stay far below 2^53).
pub fn int(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}

/// A prepared statement with its arguments bound.
pub fn statement(
    db: &D1Database,
    sql: &str,
    args: &[JsValue],
) -> Result<D1PreparedStatement, Problem> {
    db.prepare(sql).bind(args).map_err(Problem::from)
}

#[derive(Deserialize)]
struct VersionRow {
    version: f64,
}

/// The org's current version, or 404 when there is no such org.
pub async fn current_version(db: &D1Database, org_id: &str) -> Result<i64, Problem> {
    let row: Option<VersionRow> = statement(
        db,
        "SELECT version FROM orgs WHERE id = ?1",
        &[text(org_id)],
    )?
    .first(None)
    .await?;
    row.map(|r| r.version as i64).ok_or_else(Problem::not_found)
}

#[derive(Deserialize)]
struct OrgRow {
    id: String,
    name: String,
    seats_purchased: f64,
    settings: String,
    permissions: String,
    version: f64,
}

#[derive(Deserialize)]
struct DataRow {
    data: String,
}

/// Reads a whole org from D1, in one batch so that every table is read at one version.
async fn load(db: &D1Database, org_id: &str) -> Result<Loaded, Problem> {
    let id = text(org_id);
    let queries = [
        "SELECT id, name, seats_purchased, settings, permissions, version FROM orgs WHERE id = ?1",
        "SELECT data FROM roles WHERE org_id = ?1",
        "SELECT data FROM org_groups WHERE org_id = ?1",
        "SELECT data FROM users WHERE org_id = ?1",
        "SELECT data FROM invitations WHERE org_id = ?1",
        "SELECT data FROM devices WHERE org_id = ?1",
    ];
    let statements = queries
        .iter()
        .map(|sql| statement(db, sql, std::slice::from_ref(&id)))
        .collect::<Result<Vec<_>, _>>()?;
    let results = db.batch(statements).await?;
    let rows = |i: usize| -> Result<Vec<Value>, Problem> {
        let result = results
            .get(i)
            .ok_or_else(|| Problem::internal("short batch result"))?;
        result
            .results::<DataRow>()?
            .into_iter()
            .map(|row| serde_json::from_str(&row.data).map_err(Problem::internal))
            .collect()
    };
    let head = results
        .first()
        .ok_or_else(|| Problem::internal("short batch result"))?
        .results::<OrgRow>()?
        .into_iter()
        .next()
        .ok_or_else(Problem::not_found)?;
    let parse = |text: &str| serde_json::from_str::<Value>(text).map_err(Problem::internal);
    let document = json!({
        "version": 1,
        "org": {
            "id": head.id,
            "name": head.name,
            "seats_purchased": head.seats_purchased as u64,
            "settings": parse(&head.settings)?,
        },
        "permissions": parse(&head.permissions)?,
        "roles": rows(1)?,
        "groups": rows(2)?,
        "users": rows(3)?,
        "invitations": rows(4)?,
        "devices": rows(5)?,
    });
    let document: OrgDocument = serde_json::from_value(document).map_err(Problem::internal)?;
    // What D1 holds was written by the engine; failing its checks now means corruption.
    let org = Org::from_document(document).map_err(Problem::internal)?;
    Ok(Loaded {
        version: head.version as i64,
        org,
    })
}

/// A current org held by one request. Requests to the same org in one isolate take turns:
/// each holds the org while it reads or changes it, so nobody sees a change before D1 has it.
/// Dropping the session gives the org back.
///
/// Waiting is by polling with a timer, not by waking one request from another: the Workers
/// runtime cancels a request that only waits on another request's promise as hung.
pub struct Session {
    org_id: String,
    token: u64,
    loaded: Option<Loaded>,
}

impl Session {
    pub fn loaded(&mut self) -> Result<&mut Loaded, Problem> {
        self.loaded
            .as_mut()
            .ok_or_else(|| Problem::internal("session without an org"))
    }

    /// Forgets the copy, so the next request loads what D1 holds.
    fn discard(&mut self) {
        self.loaded = None;
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let loaded = self.loaded.take();
        ORGS.with(|orgs| {
            if let Some(slot) = orgs.borrow_mut().get_mut(&self.org_id) {
                // Only the holder gives back; a session whose lease was taken over keeps
                // nothing, as its copy may be older than the new holder's.
                if slot.holder.is_some_and(|(token, _)| token == self.token) {
                    slot.holder = None;
                    slot.loaded = loaded;
                }
            }
        });
    }
}

/// Holds the org for this request and makes sure the copy is at D1's current version.
pub async fn open(db: &D1Database, org_id: &str) -> Result<Session, Problem> {
    open_with(db, org_id, true).await
}

/// Holds the org for a write. A copy this isolate already has is used without asking D1 for
/// the version: the write's version guard refuses it if it is stale, and the write is then
/// retried on a fresh copy. That saves a D1 round trip on every write.
pub async fn open_for_write(db: &D1Database, org_id: &str) -> Result<Session, Problem> {
    open_with(db, org_id, false).await
}

async fn open_with(db: &D1Database, org_id: &str, check_version: bool) -> Result<Session, Problem> {
    let token = NEXT_TOKEN.with(|t| {
        let token = t.get();
        t.set(token.wrapping_add(1));
        token
    });
    let mut wait_ms = 1;
    let held = loop {
        if let Some(held) = try_take(org_id, token) {
            break held;
        }
        worker::Delay::from(std::time::Duration::from_millis(wait_ms)).await;
        wait_ms = (wait_ms * 2).min(16);
    };
    let mut session = Session {
        org_id: org_id.to_owned(),
        token,
        loaded: held,
    };
    if session.loaded.is_some() && !check_version {
        return Ok(session);
    }
    let version = current_version(db, org_id).await?;
    if session.loaded.as_ref().is_none_or(|l| l.version != version) {
        session.loaded = None;
        session.loaded = Some(load(db, org_id).await?);
    }
    Ok(session)
}

/// Why a write failed.
pub enum WriteError {
    /// Another isolate changed the org first: reload and try again.
    Conflict,
    /// Anything else.
    Problem(Problem),
}

/// Runs `command` on the session's org and persists it. On any failure the isolate's copy is
/// dropped, so the next request reloads what D1 holds.
pub async fn execute(
    db: &D1Database,
    session: &mut Session,
    actor: roster_engine::Actor,
    command: &Command,
    now: Timestamp,
    accept_base: &str,
) -> Result<(Outcome, i64), WriteError> {
    let loaded = session.loaded().map_err(WriteError::Problem)?;
    let mut entropy = SystemEntropy;
    let mut ctx = Context {
        actor,
        now,
        entropy: &mut entropy,
    };
    let outcome = loaded
        .org
        .execute(&mut ctx, command)
        .map_err(|e| WriteError::Problem(e.into()))?;
    if outcome.events.is_empty() {
        return Ok((outcome, loaded.version));
    }
    let version = loaded.version;
    let statements = write_statements(db, &loaded.org, version, &outcome).and_then(|mut s| {
        s.extend(crate::outbox::statements(
            db,
            &loaded.org,
            &outcome.tokens,
            accept_base,
            now,
        )?);
        Ok(s)
    });
    let statements = match statements {
        Ok(s) => s,
        Err(p) => {
            session.discard();
            return Err(WriteError::Problem(p));
        }
    };
    match db.batch(statements).await {
        Ok(_) => {
            let loaded = session.loaded().map_err(WriteError::Problem)?;
            loaded.version = version + 1;
            Ok((outcome, version + 1))
        }
        Err(e) => {
            session.discard();
            let message = e.to_string();
            if message.contains("version_guard") || message.contains("CHECK constraint failed: ok")
            {
                Err(WriteError::Conflict)
            } else if message.contains("seats_exhausted") {
                Err(WriteError::Problem(Problem::new(
                    409,
                    "seats_exhausted",
                    "no free seat: every purchased seat is held",
                )))
            } else if message.contains("UNIQUE constraint failed: invitations.token_hash") {
                Err(WriteError::Problem(Problem::new(
                    409,
                    "conflict",
                    "an invitation token collided; try again",
                )))
            } else if message.contains("UNIQUE constraint failed: users.org_id, users.email") {
                Err(WriteError::Problem(Problem::new(
                    409,
                    "email_taken",
                    "that email is already a member",
                )))
            } else {
                Err(WriteError::Problem(Problem::internal(message)))
            }
        }
    }
}

/// The first statement of every write batch: it breaks the batch (`version_guard` refuses
/// `ok = 0`) unless the org is still at `version`, so of two writers who read the same version
/// only one commits.
fn version_guard(
    db: &D1Database,
    org_id: &str,
    version: i64,
) -> Result<D1PreparedStatement, Problem> {
    statement(
        db,
        "INSERT INTO version_guard (ok) \
         SELECT 0 WHERE (SELECT version FROM orgs WHERE id = ?1) != ?2",
        &[text(org_id), int(version)],
    )
}

/// The statements that persist a command's outcome at `version + 1`: the version check, the
/// new version, each changed record as it now stands, and an audit row per event.
fn write_statements(
    db: &D1Database,
    org: &Org,
    version: i64,
    outcome: &Outcome,
) -> Result<Vec<D1PreparedStatement>, Problem> {
    let org_id = org.id().as_str();
    let mut out = vec![
        version_guard(db, org_id, version)?,
        statement(
            db,
            "UPDATE orgs SET version = version + 1 WHERE id = ?1",
            &[text(org_id)],
        )?,
    ];
    for event in &outcome.events {
        let id = event.target_id.as_str();
        let record: Option<String> = match event.target_kind {
            TargetKind::User => org.user(id).map(json_text),
            TargetKind::Invitation => org.invitation(id).map(json_text),
            TargetKind::Role => org.custom_role(id).map(json_text),
            TargetKind::Group => org.group(id).map(json_text),
            TargetKind::Device => org.device(id).map(json_text),
            TargetKind::Org => None,
        };
        out.push(record_statement(db, org, event.target_kind, id, record)?);
    }
    for (seq, event) in outcome.events.iter().enumerate() {
        let actor = serde_json::to_string(&event.actor).map_err(Problem::internal)?;
        let kind = serde_json::to_value(event.target_kind).map_err(Problem::internal)?;
        out.push(statement(
            db,
            "INSERT INTO audit (org_id, version, seq, at, command, actor, target_kind, target_id, \
             before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            &[
                text(org_id),
                int(version + 1),
                int(seq as i64),
                text(&event.at.to_string()),
                text(&event.command),
                text(&actor),
                text(kind.as_str().unwrap_or("unknown")),
                text(&event.target_id),
                event
                    .before
                    .as_ref()
                    .map_or(JsValue::NULL, |v| text(&v.to_string())),
                event
                    .after
                    .as_ref()
                    .map_or(JsValue::NULL, |v| text(&v.to_string())),
            ],
        )?);
    }
    Ok(out)
}

/// Upserts (or deletes, when gone) one record's row.
fn record_statement(
    db: &D1Database,
    org: &Org,
    kind: TargetKind,
    id: &str,
    record: Option<String>,
) -> Result<D1PreparedStatement, Problem> {
    let org_id = text(org.id().as_str());
    let key = text(id);
    let Some(data) = record else {
        let sql = match kind {
            TargetKind::User => "DELETE FROM users WHERE org_id = ?1 AND id = ?2",
            TargetKind::Invitation => "DELETE FROM invitations WHERE org_id = ?1 AND id = ?2",
            TargetKind::Role => "DELETE FROM roles WHERE org_id = ?1 AND key = ?2",
            TargetKind::Group => "DELETE FROM org_groups WHERE org_id = ?1 AND key = ?2",
            TargetKind::Device => "DELETE FROM devices WHERE org_id = ?1 AND id = ?2",
            TargetKind::Org => {
                let settings = serde_json::to_string(org.settings()).map_err(Problem::internal)?;
                return statement(
                    db,
                    "UPDATE orgs SET name = ?2, seats_purchased = ?3, settings = ?4 WHERE id = ?1",
                    &[
                        org_id,
                        text(org.name().as_str()),
                        int(i64::from(org.seat_usage().purchased)),
                        text(&settings),
                    ],
                );
            }
        };
        return statement(db, sql, &[org_id, key]);
    };
    match kind {
        TargetKind::User => {
            let user = org
                .user(id)
                .ok_or_else(|| Problem::internal("user vanished"))?;
            statement(
                db,
                "INSERT INTO users (org_id, id, email, status, seat, data) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (org_id, id) DO UPDATE SET email = excluded.email, \
                 status = excluded.status, seat = excluded.seat, data = excluded.data",
                &[
                    org_id,
                    key,
                    text(user.email.as_str()),
                    text(user.status.as_str()),
                    int(i64::from(user.seat)),
                    text(&data),
                ],
            )
        }
        TargetKind::Invitation => {
            let invitation = org
                .invitation(id)
                .ok_or_else(|| Problem::internal("invitation vanished"))?;
            let state = serde_json::to_value(invitation.state).map_err(Problem::internal)?;
            statement(
                db,
                "INSERT INTO invitations (org_id, id, user_id, email, state, token_hash, data) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (org_id, id) DO UPDATE SET \
                 state = excluded.state, token_hash = excluded.token_hash, data = excluded.data",
                &[
                    org_id,
                    key,
                    text(invitation.user_id.as_str()),
                    text(invitation.email.as_str()),
                    text(state.as_str().unwrap_or("pending")),
                    text(invitation.token_hash.as_str()),
                    text(&data),
                ],
            )
        }
        TargetKind::Role => statement(
            db,
            "INSERT INTO roles (org_id, key, data) VALUES (?1, ?2, ?3) \
             ON CONFLICT (org_id, key) DO UPDATE SET data = excluded.data",
            &[org_id, key, text(&data)],
        ),
        TargetKind::Group => statement(
            db,
            "INSERT INTO org_groups (org_id, key, data) VALUES (?1, ?2, ?3) \
             ON CONFLICT (org_id, key) DO UPDATE SET data = excluded.data",
            &[org_id, key, text(&data)],
        ),
        TargetKind::Device => {
            let device = org
                .device(id)
                .ok_or_else(|| Problem::internal("device vanished"))?;
            statement(
                db,
                "INSERT INTO devices (org_id, id, user_id, data) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (org_id, id) DO UPDATE SET data = excluded.data",
                &[org_id, key, text(device.user_id.as_str()), text(&data)],
            )
        }
        TargetKind::Org => Err(Problem::internal("org rows are updated, not upserted")),
    }
}

fn json_text<T: serde::Serialize>(record: &T) -> String {
    serde_json::to_string(record).unwrap_or_default()
}

/// Writes a whole org (a new one, or replacing one on import) in one batch.
pub async fn write_org(
    db: &D1Database,
    org: &Org,
    replace_version: Option<i64>,
) -> Result<i64, Problem> {
    let doc = org.to_document();
    let org_id = org.id().as_str();
    let mut out = Vec::new();
    let version = match replace_version {
        Some(v) => {
            out.push(version_guard(db, org_id, v)?);
            for table in ["devices", "invitations", "users", "org_groups", "roles"] {
                out.push(statement(
                    db,
                    &format!("DELETE FROM {table} WHERE org_id = ?1"),
                    &[text(org_id)],
                )?);
            }
            out.push(statement(
                db,
                "UPDATE orgs SET name = ?2, seats_purchased = ?3, settings = ?4, permissions = ?5, \
                 version = version + 1 WHERE id = ?1",
                &[
                    text(org_id),
                    text(org.name().as_str()),
                    int(i64::from(doc.org.seats_purchased)),
                    text(&serde_json::to_string(&doc.org.settings).map_err(Problem::internal)?),
                    text(&serde_json::to_string(&doc.permissions).map_err(Problem::internal)?),
                ],
            )?);
            v + 1
        }
        None => {
            out.push(statement(
                db,
                "INSERT INTO orgs (id, name, seats_purchased, settings, permissions, version) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 1)",
                &[
                    text(org_id),
                    text(org.name().as_str()),
                    int(i64::from(doc.org.seats_purchased)),
                    text(&serde_json::to_string(&doc.org.settings).map_err(Problem::internal)?),
                    text(&serde_json::to_string(&doc.permissions).map_err(Problem::internal)?),
                ],
            )?);
            1
        }
    };
    // Users without seats first, so the seat triggers count only what is already written.
    let users = doc
        .users
        .iter()
        .filter(|u| !u.seat)
        .chain(doc.users.iter().filter(|u| u.seat));
    let records = (doc
        .roles
        .iter()
        .map(|r| (TargetKind::Role, r.key.as_str(), json_text(r))))
    .chain(
        doc.groups
            .iter()
            .map(|g| (TargetKind::Group, g.key.as_str(), json_text(g))),
    )
    .chain(users.map(|u| (TargetKind::User, u.id.as_str(), json_text(u))))
    .chain(
        doc.invitations
            .iter()
            .map(|i| (TargetKind::Invitation, i.id.as_str(), json_text(i))),
    )
    .chain(
        doc.devices
            .iter()
            .map(|d| (TargetKind::Device, d.id.as_str(), json_text(d))),
    );
    for (kind, id, data) in records {
        out.push(record_statement(db, org, kind, id, Some(data))?);
    }
    db.batch(out).await.map_err(|e| {
        let message = e.to_string();
        if message.contains("UNIQUE constraint failed: invitations.token_hash") {
            Problem::new(
                409,
                "conflict",
                "an invitation's `token_hash` is already used by another org's invitation",
            )
        } else if message.contains("UNIQUE constraint failed: orgs.id") {
            Problem::new(
                409,
                "already_exists",
                format!("org `{org_id}` already exists"),
            )
        } else if message.contains("version_guard")
            || message.contains("CHECK constraint failed: ok")
        {
            Problem::new(
                412,
                "version_mismatch",
                "the org changed meanwhile; fetch it and retry",
            )
        } else {
            Problem::internal(message)
        }
    })?;
    Ok(version)
}

/// Finds which org holds a pending invitation with this token's hash.
pub async fn org_of_token(db: &D1Database, token_hash: &str) -> Result<Option<String>, Problem> {
    #[derive(Deserialize)]
    struct Row {
        org_id: String,
    }
    let row: Option<Row> = statement(
        db,
        "SELECT org_id FROM invitations WHERE token_hash = ?1",
        &[text(token_hash)],
    )?
    .first(None)
    .await?;
    Ok(row.map(|r| r.org_id))
}
