//! The HTTP front door: routing, authentication, and one handler per endpoint.
//!
//! Handlers translate: they read the request, build an engine query or command, and shape the
//! answer. Every decision (who may do what, what a change does) is the engine's.

use roster_engine::command::TargetKind;
use roster_engine::compact;
use roster_engine::text::UserId;
use roster_engine::{Command, Org, Status, Timestamp, UserQuery};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};
use worker::{
    D1Database, D1PreparedStatement, Date, Env, Headers, KvStore, Method, Request, Response,
};

use crate::auth::{self, Caller, JwtConfig, Via};
use crate::edge;
use crate::problem::Problem;
use crate::store::{self, int as sql_int, statement as prepare, text as sql_text, WriteError};
use crate::views;

/// Largest request body accepted, except for imports.
const BODY_LIMIT: usize = 1 << 20;
/// Largest org document accepted by import and org creation.
const DOCUMENT_LIMIT: usize = 32 << 20;
/// How often a write is retried when another isolate changed the org first.
const WRITE_ATTEMPTS: usize = 4;

/// One request's context.
pub struct App {
    env: Env,
    db: D1Database,
    kv: Option<KvStore>,
    ctx: worker::Context,
    now: Timestamp,
}

impl App {
    /// Where invitation links point; the token follows in the fragment.
    fn accept_base(&self) -> String {
        var(&self.env, "INVITE_BASE_URL").unwrap_or_else(|| "http://127.0.0.1:8787/accept".into())
    }

    /// Delivers due invitation emails after the response, when a webhook is configured.
    fn deliver_outbox(&self) {
        if let (Some(url), Some(secret)) = (
            var(&self.env, "WEBHOOK_URL"),
            var(&self.env, "WEBHOOK_SECRET"),
        ) {
            if let Ok(db) = self.env.d1("DB") {
                self.ctx
                    .wait_until(crate::outbox::deliver(db, url, secret, self.now));
            }
        }
    }

    /// After a change: publish the org's check index to KV soon, after the response.
    fn publish(&self, org: &Org) {
        if self.kv.is_some() {
            if let Some(work) = edge::schedule(&self.env, org.id().as_str()) {
                self.ctx.wait_until(work);
            }
        }
    }
}

type Reply = Result<Response, Problem>;

/// Answers a request. Never fails: every error becomes a problem response.
pub async fn handle(req: Request, env: Env, ctx: worker::Context) -> Response {
    let now = Timestamp::from_unix_seconds((Date::now().as_millis() / 1000) as i64);
    let db = match env.d1("DB") {
        Ok(db) => db,
        Err(e) => return Problem::internal(e).into_response(),
    };
    let kv = env.kv("KV").ok();
    let app = App {
        env,
        db,
        kv,
        ctx,
        now,
    };
    match route(&app, req).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

/// Delivers due outbox messages (the cron trigger's work).
pub async fn deliver_due(env: Env) {
    let (Some(url), Some(secret)) = (var(&env, "WEBHOOK_URL"), var(&env, "WEBHOOK_SECRET")) else {
        return;
    };
    let Ok(db) = env.d1("DB") else { return };
    let now = Timestamp::from_unix_seconds((Date::now().as_millis() / 1000) as i64);
    crate::outbox::deliver(db, url, secret, now).await;
}

async fn route(app: &App, mut req: Request) -> Reply {
    let path = req.path();
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = req.method();
    match (method.clone(), segments.as_slice()) {
        (Method::Get, [""]) => index(),
        (Method::Get, ["healthz"]) => json_response(200, &json!({"status": "ok"}), None),
        (Method::Get, ["v1", "openapi.json"]) => {
            json_response(200, &crate::openapi::document(), None)
        }
        (Method::Post, ["v1", "invitations", "accept"]) => accept(app, &mut req).await,
        (Method::Post, ["v1", "orgs"]) => create_org(app, &mut req).await,
        (_, ["v1", "orgs", org, rest @ ..]) => {
            let caller = authenticate(app, &req).await?;
            // Another org's credential learns nothing, not even whether this org exists.
            if caller.org_id != *org {
                return Err(Problem::not_found());
            }
            org_route(app, &mut req, &caller, method, rest).await
        }
        (Method::Head, ["healthz"]) => Ok(Response::empty()?),
        (_, ["healthz"] | ["v1", "openapi.json"] | [""]) => {
            Err(Problem::method_not_allowed("GET, HEAD"))
        }
        (_, ["v1", "invitations", "accept"] | ["v1", "orgs"]) => {
            Err(Problem::method_not_allowed("POST"))
        }
        _ => Err(Problem::new(404, "not_found", "no such endpoint")),
    }
}

async fn org_route(
    app: &App,
    req: &mut Request,
    caller: &Caller,
    method: Method,
    rest: &[&str],
) -> Reply {
    use Method::{Delete, Get, Patch, Post, Put};
    let org_id = caller.org_id.as_str();
    match (method, rest) {
        (Get, ["me"]) => me(app, caller).await,
        (Get, ["permissions"]) => {
            let view = |org: &Org, _| json!({"permissions": views::permissions(org)});
            read(app, caller, "roles:read", view).await
        }
        (Get, ["users"]) => list_users(app, req, caller).await,
        (Get, ["users", id]) => {
            let id = (*id).to_owned();
            read(app, caller, "users:read", move |org, now| {
                match org.user(&id) {
                    Some(user) => views::user(org, user, now),
                    None => Value::Null,
                }
            })
            .await
        }
        (Patch, ["users", id]) => update_user(app, req, caller, id).await,
        (Delete, ["users", id]) => {
            command(
                app,
                req,
                caller,
                json!({"command": "deactivate_user", "user_id": id}),
            )
            .await
        }
        (Put, ["users", id, "roles", role]) => {
            command(
                app,
                req,
                caller,
                json!({"command": "assign_role", "user_id": id, "role": role}),
            )
            .await
        }
        (Delete, ["users", id, "roles", role]) => {
            command(
                app,
                req,
                caller,
                json!({"command": "unassign_role", "user_id": id, "role": role}),
            )
            .await
        }
        (Put, ["users", id, "seat"]) => {
            command(
                app,
                req,
                caller,
                json!({"command": "assign_seat", "user_id": id}),
            )
            .await
        }
        (Delete, ["users", id, "seat"]) => {
            command(
                app,
                req,
                caller,
                json!({"command": "unassign_seat", "user_id": id}),
            )
            .await
        }
        (Get, ["users", id, "devices"]) => {
            let id = (*id).to_owned();
            read(app, caller, "devices:read", move |org, _| {
                match org.user(&id) {
                    Some(_) => json!({"devices": org.devices_of(&id).collect::<Vec<_>>()}),
                    None => Value::Null,
                }
            })
            .await
        }
        (Get, ["invitations"]) => {
            read(app, caller, "invitations:read", |org, now| {
                let list: Vec<Value> = org
                    .invitations()
                    .map(|i| views::invitation_view(i, now))
                    .collect();
                json!({"invitations": list})
            })
            .await
        }
        (Post, ["invitations"]) => invite(app, req, caller).await,
        (Post, ["invitations", id, "resend"]) => {
            command(
                app,
                req,
                caller,
                json!({"command": "resend_invitation", "invitation_id": id}),
            )
            .await
        }
        (Post, ["invitations", id, "revoke"]) | (Delete, ["invitations", id]) => {
            command(
                app,
                req,
                caller,
                json!({"command": "revoke_invitation", "invitation_id": id}),
            )
            .await
        }
        (Get, ["roles"]) => {
            read(
                app,
                caller,
                "roles:read",
                |org, _| json!({"roles": views::roles(org)}),
            )
            .await
        }
        (Post, ["roles"]) => body_command(app, req, caller, "create_role", &[]).await,
        (Patch, ["roles", key]) => {
            body_command(app, req, caller, "update_role", &[("key", key)]).await
        }
        (Delete, ["roles", key]) => {
            command(
                app,
                req,
                caller,
                json!({"command": "delete_role", "key": key}),
            )
            .await
        }
        (Get, ["groups"]) => {
            read(app, caller, "groups:read", |org, _| {
                let list: Vec<Value> = org
                    .groups()
                    .map(|g| views::group(org, g.key.as_str()))
                    .collect();
                json!({"groups": list})
            })
            .await
        }
        (Post, ["groups"]) => body_command(app, req, caller, "create_group", &[]).await,
        (Get, ["groups", key]) => {
            let key = (*key).to_owned();
            read(app, caller, "groups:read", move |org, _| {
                views::group(org, &key)
            })
            .await
        }
        (Patch, ["groups", key]) => {
            body_command(app, req, caller, "update_group", &[("key", key)]).await
        }
        (Delete, ["groups", key]) => {
            command(
                app,
                req,
                caller,
                json!({"command": "delete_group", "key": key}),
            )
            .await
        }
        (Put, ["groups", key, "members", user]) => {
            command(
                app,
                req,
                caller,
                json!({"command": "add_group_member", "group": key, "user_id": user}),
            )
            .await
        }
        (Delete, ["groups", key, "members", user]) => {
            command(
                app,
                req,
                caller,
                json!({"command": "remove_group_member", "group": key, "user_id": user}),
            )
            .await
        }
        (Put, ["groups", key, "roles", role]) => {
            group_role(app, req, caller, key, role, true).await
        }
        (Delete, ["groups", key, "roles", role]) => {
            group_role(app, req, caller, key, role, false).await
        }
        (Get, ["devices"]) => {
            read(
                app,
                caller,
                "devices:read",
                |org, _| json!({"devices": org.devices().collect::<Vec<_>>()}),
            )
            .await
        }
        (Post, ["devices", id, "revoke"]) => {
            command(
                app,
                req,
                caller,
                json!({"command": "revoke_device", "device_id": id}),
            )
            .await
        }
        (Post, ["me", "devices"]) => {
            let user = caller.user_id.as_str();
            body_command(app, req, caller, "register_device", &[("user_id", user)]).await
        }
        (Post, ["me", "devices", id, "seen"]) => {
            command(
                app,
                req,
                caller,
                json!({"command": "record_device_seen", "device_id": id}),
            )
            .await
        }
        (Get, ["seats"]) => read(app, caller, "seats:read", |org, _| json!(org.seat_usage())).await,
        (Get, ["billing"]) => {
            read(
                app,
                caller,
                "billing:read",
                |org, _| json!({"seats_purchased": org.seat_usage().purchased}),
            )
            .await
        }
        (Put, ["billing"]) => {
            let body: Value = read_json(req, BODY_LIMIT).await?;
            let Value::Object(fields) = body else {
                return Err(Problem::invalid("body", "expected a JSON object"));
            };
            if let Some(other) = fields.keys().find(|k| *k != "seats_purchased") {
                return Err(Problem::invalid(other.as_str(), "unknown field"));
            }
            let seats = fields
                .get("seats_purchased")
                .and_then(Value::as_u64)
                .filter(|n| *n <= u64::from(roster_engine::limits::SEATS_PURCHASED))
                .ok_or_else(|| {
                    Problem::invalid(
                        "seats_purchased",
                        "expected a whole number from 0 to 1000000",
                    )
                })?;
            command(
                app,
                req,
                caller,
                json!({"command": "set_seats_purchased", "seats": seats}),
            )
            .await
        }
        (Patch, ["settings"]) => update_settings(app, req, caller).await,
        (Post, ["me", "activity"]) => {
            let user = caller.user_id.as_str();
            command(
                app,
                req,
                caller,
                json!({"command": "record_activity", "user_id": user}),
            )
            .await
        }
        (Get, ["me", "devices"]) => {
            let id = caller.user_id.as_str().to_owned();
            let mut session = store::open(&app.db, &caller.org_id).await?;
            let loaded = session.loaded()?;
            if loaded.org.user(&id).is_none() {
                return Err(Problem::not_found());
            }
            let devices: Vec<_> = loaded.org.devices_of(&id).collect();
            json_response(200, &json!({"devices": devices}), Some(loaded.version))
        }
        (Post, ["checks"]) => check(app, req, caller, false).await,
        (Post, ["checks", "batch"]) => check(app, req, caller, true).await,
        (Get, ["audit"]) => audit(app, req, caller).await,
        (Get, ["directory"]) => directory(app, req, caller).await,
        (Get, ["export"]) => export(app, caller).await,
        (Put, ["import"]) => import(app, req, caller).await,
        (Get, ["api-keys"]) => list_api_keys(app, caller).await,
        (Post, ["api-keys"]) => create_api_key(app, req, caller).await,
        (Delete, ["api-keys", id]) => revoke_api_key(app, caller, id).await,
        _ => {
            let _ = org_id;
            Err(Problem::new(404, "not_found", "no such endpoint"))
        }
    }
}

// --- Authentication ---

fn var(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.is_empty())
}

async fn authenticate(app: &App, req: &Request) -> Result<Caller, Problem> {
    let token = auth::bearer(req.headers().get("authorization").ok().flatten())?;
    if auth::is_api_key(&token) {
        #[derive(serde::Deserialize)]
        struct Row {
            org_id: String,
            id: String,
            created_by: String,
            revoked_at: Option<String>,
        }
        let row: Option<Row> = prepare(
            &app.db,
            "SELECT org_id, id, created_by, revoked_at FROM api_keys WHERE hash = ?1",
            &[sql_text(&auth::api_key_hash(&token))],
        )?
        .first(None)
        .await?;
        let row = row.ok_or_else(|| Problem::unauthorized("unknown or revoked API key"))?;
        if row.revoked_at.is_some() {
            return Err(Problem::unauthorized("unknown or revoked API key"));
        }
        let user_id = UserId::new(row.created_by).map_err(Problem::internal)?;
        return Ok(Caller {
            org_id: row.org_id,
            user_id,
            via: Via::ApiKey(row.id),
        });
    }
    let jwks = match var(&app.env, "JWT_JWKS") {
        Some(text) => Some(
            serde_json::from_str(&text)
                .map_err(|e| Problem::internal(format!("JWT_JWKS is not JSON: {e}")))?,
        ),
        None => None,
    };
    let config = JwtConfig {
        secret: var(&app.env, "JWT_SECRET"),
        jwks,
        issuer: var(&app.env, "JWT_ISSUER").unwrap_or_else(|| "roster".into()),
        audience: var(&app.env, "JWT_AUDIENCE").unwrap_or_else(|| "roster-api".into()),
    };
    let (org_id, user_id) = auth::verify_jwt(&token, &config, app.now).await?;
    Ok(Caller {
        org_id,
        user_id,
        via: Via::Jwt,
    })
}

/// Refuses unless the caller is an active member allowed `permission`.
fn require(org: &Org, caller: &Caller, permission: &str) -> Result<(), Problem> {
    let explanation = org.explain(caller.user_id.as_str(), permission);
    if explanation.is_allowed() {
        return Ok(());
    }
    if org.user(caller.user_id.as_str()).is_none() {
        // A credential for someone who is not a member of this org reveals nothing.
        return Err(Problem::not_found());
    }
    let reasons: Vec<String> = explanation
        .deny_reasons
        .iter()
        .map(|r| {
            serde_json::to_value(r)
                .ok()
                .and_then(|v| v["reason"].as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect();
    Err(Problem::new(
        403,
        "forbidden",
        format!(
            "`{}` is not allowed `{permission}` ({})",
            caller.user_id,
            reasons.join(", ")
        ),
    ))
}

// --- Requests and responses ---

async fn read_body(req: &mut Request, limit: usize) -> Result<Vec<u8>, Problem> {
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(Problem::new(
            413,
            "body_too_large",
            format!("bodies are limited to {limit} bytes"),
        ));
    }
    let content_type = req
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media_type != "application/json" {
        return Err(Problem::new(
            415,
            "unsupported_media_type",
            "send `Content-Type: application/json`",
        ));
    }
    let bytes = req
        .bytes()
        .await
        .map_err(|_| Problem::field("body", "could not be read"))?;
    if bytes.len() > limit {
        return Err(Problem::new(
            413,
            "body_too_large",
            format!("bodies are limited to {limit} bytes"),
        ));
    }
    Ok(bytes)
}

async fn read_json<T: DeserializeOwned>(req: &mut Request, limit: usize) -> Result<T, Problem> {
    let bytes = read_body(req, limit).await?;
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path == "?" {
            "body".to_owned()
        } else {
            path
        };
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                // The field names where; the parser's line and column add nothing.
                let message = inner.to_string();
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m);
                Problem::invalid(field, message)
            }
            _ => Problem::field(field, format!("not valid JSON: {inner}")),
        }
    })?;
    // One JSON value and nothing after it.
    de.end()
        .map_err(|_| Problem::field("body", "not valid JSON: text after the JSON value"))?;
    Ok(value)
}

fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

fn if_match(req: &Request) -> Result<Option<i64>, Problem> {
    let Some(value) = req.headers().get("if-match").ok().flatten() else {
        return Ok(None);
    };
    let digits = value
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .trim_start_matches('v');
    digits.parse::<i64>().map(Some).map_err(|_| {
        Problem::field(
            "If-Match",
            "expected an ETag this API returned, like \"v12\"",
        )
    })
}

fn json_response(status: u16, body: &Value, version: Option<i64>) -> Reply {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("cache-control", "no-store")?;
    if let Some(v) = version {
        headers.set("etag", &etag(v))?;
    }
    Ok(Response::ok(body.to_string())?
        .with_status(status)
        .with_headers(headers))
}

fn index() -> Reply {
    let html = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Roster API</title>\
        <h1>Roster API</h1><p>The people-and-access API of Roster. The machine-readable \
        description is at <a href=\"/v1/openapi.json\">/v1/openapi.json</a>; the service's \
        health at <a href=\"/healthz\">/healthz</a>.</p></html>";
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    Ok(Response::ok(html)?.with_headers(headers))
}

// --- Reads ---

/// Opens the org, checks `permission`, and answers with `view` at the current version.
async fn read(
    app: &App,
    caller: &Caller,
    permission: &str,
    view: impl FnOnce(&Org, Timestamp) -> Value,
) -> Reply {
    let mut session = store::open(&app.db, &caller.org_id).await?;
    let loaded = session.loaded()?;
    require(&loaded.org, caller, permission)?;
    let value = view(&loaded.org, app.now);
    if value.is_null() {
        return Err(Problem::not_found());
    }
    json_response(200, &value, Some(loaded.version))
}

/// What the element draws: everything a reader of users may see, without token hashes. In
/// the compact binary form when asked for it by `Accept`, else as JSON.
async fn directory(app: &App, req: &Request, caller: &Caller) -> Reply {
    let mut session = store::open(&app.db, &caller.org_id).await?;
    let loaded = session.loaded()?;
    require(&loaded.org, caller, "users:read")?;
    let document = loaded.org.to_directory();
    let accept = req
        .headers()
        .get("accept")
        .ok()
        .flatten()
        .unwrap_or_default();
    let (body, media_type) = if accept.contains(compact::MEDIA_TYPE) {
        (document.to_compact(), compact::MEDIA_TYPE)
    } else {
        let json = serde_json::to_vec(&document).map_err(Problem::internal)?;
        (json, "application/json")
    };
    let headers = Headers::new();
    headers.set("content-type", media_type)?;
    headers.set("cache-control", "no-store")?;
    headers.set("vary", "accept")?;
    headers.set("etag", &etag(loaded.version))?;
    Ok(Response::from_bytes(body)?.with_headers(headers))
}

async fn me(app: &App, caller: &Caller) -> Reply {
    let mut session = store::open(&app.db, &caller.org_id).await?;
    let loaded = session.loaded()?;
    let org = &loaded.org;
    let user = org
        .user(caller.user_id.as_str())
        .ok_or_else(Problem::not_found)?;
    let body = json!({
        "user": views::user(org, user, app.now),
        "org": {"id": org.id(), "name": org.name(), "seats": org.seat_usage()},
        "permissions": org.effective_permissions(user.id.as_str()),
        "credential": match &caller.via {
            Via::Jwt => json!("jwt"),
            Via::ApiKey(id) => json!({"api_key": id}),
        },
    });
    json_response(200, &body, Some(loaded.version))
}

async fn list_users(app: &App, req: &Request, caller: &Caller) -> Reply {
    let url = req.url()?;
    let mut query = Map::new();
    let mut statuses = Vec::new();
    for (key, value) in url.query_pairs() {
        let value = value.into_owned();
        match key.as_ref() {
            "status" => statuses.extend(value.split(',').map(|s| Value::String(s.to_owned()))),
            "seat" => {
                let seat = match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(Problem::field("seat", "expected `true` or `false`")),
                };
                query.insert("seat".into(), Value::Bool(seat));
            }
            "limit" => {
                let limit = value
                    .parse::<u64>()
                    .map_err(|_| Problem::field("limit", "expected a number"))?;
                query.insert("limit".into(), json!(limit));
            }
            "role" | "group" | "search" | "sort" | "order" | "cursor" => {
                query.insert(key.into_owned(), Value::String(value));
            }
            other => return Err(Problem::field(other, "unknown query parameter")),
        }
    }
    if !statuses.is_empty() {
        query.insert("status".into(), Value::Array(statuses));
    }
    let de = serde_json::Value::Object(query);
    let query: UserQuery = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let field = field.split(['[', '.']).next().unwrap_or("query").to_owned();
        Problem::field(field, e.into_inner().to_string())
    })?;
    let mut session = store::open(&app.db, &caller.org_id).await?;
    let loaded = session.loaded()?;
    let org = &loaded.org;
    require(org, caller, "users:read")?;
    let page = org.list_users(&query)?;
    let users: Vec<Value> = page
        .users
        .iter()
        .map(|u| views::user(org, u, app.now))
        .collect();
    let body = json!({"users": users, "total": page.total, "next_cursor": page.next_cursor});
    json_response(200, &body, Some(loaded.version))
}

// --- Writes ---

/// Runs a command given as JSON for the caller, with `If-Match` and internal retries.
async fn command(app: &App, req: &Request, caller: &Caller, value: Value) -> Reply {
    let command = Command::from_value(value)?;
    let expected = if_match(req)?;
    let (outcome, version) = run(app, caller, &command, expected).await?;
    let created = matches!(
        command,
        Command::Invite { .. }
            | Command::CreateRole { .. }
            | Command::CreateGroup { .. }
            | Command::RegisterDevice { .. }
    );
    let mut body = outcome_body(app, &outcome, version);
    if let Command::RegisterDevice { .. } = command {
        let device = outcome
            .events
            .iter()
            .find(|e| e.target_kind == TargetKind::Device);
        body["device_id"] = json!(device.map(|e| e.target_id.as_str()));
    }
    json_response(if created { 201 } else { 200 }, &body, Some(version))
}

/// Like [`command`], with the command's fields from the body and some from the path.
async fn body_command(
    app: &App,
    req: &mut Request,
    caller: &Caller,
    name: &str,
    path: &[(&str, &str)],
) -> Reply {
    let body: Value = read_json(req, BODY_LIMIT).await?;
    let Value::Object(mut fields) = body else {
        return Err(Problem::invalid("body", "expected a JSON object"));
    };
    for (key, value) in path {
        if fields.contains_key(*key) {
            return Err(Problem::invalid(*key, "comes from the URL, not the body"));
        }
        fields.insert((*key).to_owned(), Value::String((*value).to_owned()));
    }
    if fields.contains_key("command") {
        return Err(Problem::invalid(
            "command",
            "comes from the URL, not the body",
        ));
    }
    fields.insert("command".into(), Value::String(name.to_owned()));
    command(app, req, caller, Value::Object(fields)).await
}

async fn run(
    app: &App,
    caller: &Caller,
    command: &Command,
    expected: Option<i64>,
) -> Result<(roster_engine::Outcome, i64), Problem> {
    for _ in 0..WRITE_ATTEMPTS {
        let mut session = store::open_for_write(&app.db, &caller.org_id).await?;
        // A pinned version is compared with D1's, not with a copy that may be stale.
        let copy = session.loaded()?.version;
        if expected.is_some_and(|e| e != copy) {
            drop(session);
            session = store::open(&app.db, &caller.org_id).await?;
        }
        let version = session.loaded()?.version;
        if expected.is_some_and(|e| e != version) {
            return Err(Problem::new(
                412,
                "version_mismatch",
                format!(
                    "the org is at version {version}, not the one in If-Match; fetch it and retry"
                ),
            ));
        }
        // A member who is not in this org is told nothing about it.
        if session
            .loaded()?
            .org
            .user(caller.user_id.as_str())
            .is_none()
        {
            return Err(Problem::not_found());
        }
        let base = app.accept_base();
        match store::execute(
            &app.db,
            &mut session,
            caller.actor(),
            command,
            app.now,
            &base,
        )
        .await
        {
            Ok((outcome, version)) => {
                if !outcome.events.is_empty() {
                    app.publish(&session.loaded()?.org);
                }
                if !outcome.tokens.is_empty() {
                    app.deliver_outbox();
                }
                return Ok((outcome, version));
            }
            Err(WriteError::Problem(p)) => return Err(p),
            // Another isolate wrote first. Safe to retry unless the caller pinned a version.
            Err(WriteError::Conflict) if expected.is_some() => {
                return Err(Problem::new(
                    412,
                    "version_mismatch",
                    "the org changed meanwhile; fetch it and retry",
                ));
            }
            Err(WriteError::Conflict) => continue,
        }
    }
    Err(Problem::new(
        409,
        "busy",
        "the org is changing too fast; try again",
    ))
}

fn outcome_body(app: &App, outcome: &roster_engine::Outcome, version: i64) -> Value {
    let mut body = json!({
        "version": version,
        "events": outcome.events,
        "notes": outcome.notes,
    });
    if !outcome.tokens.is_empty() {
        let base = app.accept_base();
        let invitations: Vec<Value> = outcome
            .tokens
            .iter()
            .map(|t| {
                json!({
                    "id": t.invitation_id,
                    "email": t.email,
                    "expires_at": t.expires_at,
                    // Shown once: only its hash is stored.
                    "token": t.token,
                    "accept_url": format!("{base}#token={}", t.token),
                })
            })
            .collect();
        body["invitations"] = Value::Array(invitations);
    }
    body
}

async fn update_user(app: &App, req: &mut Request, caller: &Caller, id: &str) -> Reply {
    let body: Value = read_json(req, BODY_LIMIT).await?;
    let Value::Object(mut fields) = body else {
        return Err(Problem::invalid("body", "expected a JSON object"));
    };
    for key in ["command", "user_id"] {
        if fields.contains_key(key) {
            return Err(Problem::invalid(key, "comes from the URL, not the body"));
        }
    }
    // A status change is its own command; name and settings are an update.
    if let Some(status) = fields.remove("status") {
        if !fields.is_empty() {
            return Err(Problem::invalid(
                "status",
                "change the status on its own, without other fields",
            ));
        }
        let status: Status = serde_json::from_value(status).map_err(|_| {
            Problem::invalid("status", "expected `active`, `suspended` or `deactivated`")
        })?;
        let name = match status {
            Status::Suspended => "suspend_user",
            Status::Active => "reactivate_user",
            Status::Deactivated => "deactivate_user",
            Status::Invited => {
                return Err(Problem::invalid(
                    "status",
                    "invite people with POST /invitations",
                ))
            }
        };
        return command(app, req, caller, json!({"command": name, "user_id": id})).await;
    }
    fields.insert("command".into(), json!("update_user"));
    fields.insert("user_id".into(), json!(id));
    command(app, req, caller, Value::Object(fields)).await
}

/// Changes the org's name or settings; settings not named keep their current values.
async fn update_settings(app: &App, req: &mut Request, caller: &Caller) -> Reply {
    let body: Value = read_json(req, BODY_LIMIT).await?;
    let Value::Object(mut fields) = body else {
        return Err(Problem::invalid("body", "expected a JSON object"));
    };
    if let Some(Value::Object(changes)) = fields.get("settings").cloned() {
        let mut session = store::open(&app.db, &caller.org_id).await?;
        let current = session.loaded()?.org.settings().clone();
        let mut merged = serde_json::to_value(current).map_err(Problem::internal)?;
        for (key, value) in changes {
            merged[key] = value;
        }
        fields.insert("settings".into(), merged);
    }
    if fields.contains_key("command") {
        return Err(Problem::invalid(
            "command",
            "comes from the URL, not the body",
        ));
    }
    fields.insert("command".into(), json!("update_org"));
    command(app, req, caller, Value::Object(fields)).await
}

async fn invite(app: &App, req: &mut Request, caller: &Caller) -> Reply {
    let body: Value = read_json(req, BODY_LIMIT).await?;
    let Value::Object(mut fields) = body else {
        return Err(Problem::invalid("body", "expected a JSON object"));
    };
    if fields.contains_key("command") {
        return Err(Problem::invalid(
            "command",
            "comes from the URL, not the body",
        ));
    }
    // One person may be sent without the list around them, but not both ways at once.
    if fields.contains_key("email") {
        if fields.contains_key("invitations") {
            return Err(Problem::invalid(
                "email",
                "send either `email` or `invitations`, not both",
            ));
        }
        let mut one = Map::new();
        for key in ["email", "roles", "groups"] {
            if let Some(v) = fields.remove(key) {
                one.insert(key.into(), v);
            }
        }
        fields.insert("invitations".into(), Value::Array(vec![Value::Object(one)]));
    }
    fields.insert("command".into(), json!("invite"));
    command(app, req, caller, Value::Object(fields)).await
}

async fn group_role(
    app: &App,
    req: &Request,
    caller: &Caller,
    key: &str,
    role: &str,
    add: bool,
) -> Reply {
    let pinned = if_match(req)?;
    for _ in 0..WRITE_ATTEMPTS {
        // The command takes the group's whole role list: read it, then write it pinned to
        // the version it was read at, so a concurrent change is never overwritten.
        let (roles, version) = {
            let mut session = store::open(&app.db, &caller.org_id).await?;
            let loaded = session.loaded()?;
            require(&loaded.org, caller, "groups:read")?;
            let group = loaded.org.group(key).ok_or_else(Problem::not_found)?;
            let mut roles: Vec<String> = group.roles.iter().map(|r| r.to_string()).collect();
            roles.retain(|r| r != role);
            if add {
                roles.push(role.to_owned());
            }
            (roles, loaded.version)
        };
        if pinned.is_some_and(|p| p != version) {
            return Err(stale(version));
        }
        let command =
            Command::from_value(json!({"command": "update_group", "key": key, "roles": roles}))?;
        match run(app, caller, &command, Some(version)).await {
            Ok((outcome, version)) => {
                return json_response(200, &outcome_body(app, &outcome, version), Some(version))
            }
            // Someone changed the org between the read and the write: read again, unless
            // the caller pinned a version themselves.
            Err(p) if p.status == 412 && pinned.is_none() => continue,
            Err(p) => return Err(p),
        }
    }
    Err(Problem::new(
        409,
        "busy",
        "the org is changing too fast; try again",
    ))
}

fn stale(version: i64) -> Problem {
    Problem::new(
        412,
        "version_mismatch",
        format!("the org is at version {version}, not the one in If-Match; fetch it and retry"),
    )
}

// --- Invitations accepted by token (no credential) ---

async fn accept(app: &App, req: &mut Request) -> Reply {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        token: String,
        #[serde(default)]
        name: Option<String>,
    }
    let body: Body = read_json(req, BODY_LIMIT).await?;
    let hash = roster_engine::token::TokenHash::of(&body.token);
    let invalid = || {
        Problem::new(
            404,
            "invalid_token",
            roster_engine::CommandError::InvalidToken.to_string(),
        )
    };
    let org_id = store::org_of_token(&app.db, hash.as_str())
        .await?
        .ok_or_else(invalid)?;
    let command = Command::from_value(
        json!({"command": "accept_invitation", "token": body.token, "name": body.name}),
    )?;
    for _ in 0..WRITE_ATTEMPTS {
        let mut session = store::open(&app.db, &org_id).await?;
        let base = app.accept_base();
        let actor = roster_engine::Actor::System;
        match store::execute(&app.db, &mut session, actor, &command, app.now, &base).await {
            Ok((outcome, version)) => {
                app.publish(&session.loaded()?.org);
                let user_id = outcome
                    .events
                    .iter()
                    .find_map(|e| e.actor.user_id().cloned());
                let body = json!({
                    "org_id": org_id,
                    "user_id": user_id,
                    "version": version,
                    "notes": outcome.notes,
                });
                return json_response(200, &body, Some(version));
            }
            Err(WriteError::Problem(p)) => return Err(p),
            Err(WriteError::Conflict) => continue,
        }
    }
    Err(Problem::new(
        409,
        "busy",
        "the org is changing too fast; try again",
    ))
}

// --- Checks ---

async fn check(app: &App, req: &mut Request, caller: &Caller, batch: bool) -> Reply {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct One {
        user_id: String,
        permission: String,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Many {
        checks: Vec<One>,
        #[serde(default)]
        min_version: Option<i64>,
        #[serde(default = "yes")]
        reasons: bool,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Single {
        user_id: String,
        permission: String,
        #[serde(default)]
        min_version: Option<i64>,
        #[serde(default = "yes")]
        reasons: bool,
    }
    let (checks, min_version, reasons) = if batch {
        let many: Many = read_json(req, BODY_LIMIT).await?;
        if many.checks.len() > 1000 {
            return Err(Problem::invalid("checks", "at most 1000 checks per batch"));
        }
        (many.checks, many.min_version, many.reasons)
    } else {
        let one: Single = read_json(req, BODY_LIMIT).await?;
        (
            vec![One {
                user_id: one.user_id,
                permission: one.permission,
            }],
            one.min_version,
            one.reasons,
        )
    };
    let others = checks.iter().any(|c| c.user_id != caller.user_id.as_str());
    // Decisions without reasons come from the index in KV when it is recent enough.
    if !reasons {
        if let Some(kv) = &app.kv {
            if let Some((version, index)) = edge::index(kv, &caller.org_id, min_version).await {
                if !index.contains_user(caller.user_id.as_str()) {
                    return Err(Problem::not_found());
                }
                if others && !index.check(caller.user_id.as_str(), "users:read") {
                    return Err(Problem::new(
                        403,
                        "forbidden",
                        format!(
                            "`{}` is not allowed `users:read`, which checking others needs",
                            caller.user_id
                        ),
                    ));
                }
                let results: Vec<Value> = checks
                    .iter()
                    .map(|c| {
                        let allowed = index.check(&c.user_id, &c.permission);
                        json!({
                            "user_id": c.user_id,
                            "permission": c.permission,
                            "decision": if allowed { "allow" } else { "deny" },
                        })
                    })
                    .collect();
                return check_response(results, version, batch, "kv");
            }
        }
    }
    let mut session = store::open(&app.db, &caller.org_id).await?;
    let loaded = session.loaded()?;
    // The session reads the version from D1, so every answer is at least that fresh.
    if min_version.is_some_and(|v| v > loaded.version) {
        return Err(Problem::invalid(
            "min_version",
            "newer than any version of this org",
        ));
    }
    if others {
        require(&loaded.org, caller, "users:read")?;
    } else if loaded.org.user(caller.user_id.as_str()).is_none() {
        return Err(Problem::not_found());
    }
    let results: Vec<Value> = checks
        .iter()
        .map(|c| {
            let explanation = loaded.org.explain(&c.user_id, &c.permission);
            let mut value = serde_json::to_value(&explanation).unwrap_or(Value::Null);
            value["user_id"] = json!(c.user_id);
            value["permission"] = json!(c.permission);
            value
        })
        .collect();
    let results = if reasons {
        results
    } else {
        results
            .into_iter()
            .map(|r| {
                json!({
                    "user_id": r["user_id"],
                    "permission": r["permission"],
                    "decision": r["decision"],
                })
            })
            .collect()
    };
    check_response(results, loaded.version, batch, "d1")
}

fn check_response(results: Vec<Value>, version: i64, batch: bool, source: &str) -> Reply {
    let body = if batch {
        json!({"results": results, "version": version, "source": source})
    } else {
        let mut one = results.into_iter().next().unwrap_or(Value::Null);
        one["version"] = json!(version);
        one["source"] = json!(source);
        one
    };
    json_response(200, &body, Some(version))
}

fn yes() -> bool {
    true
}

// --- Audit, export, import ---

async fn audit(app: &App, req: &Request, caller: &Caller) -> Reply {
    let url = req.url()?;
    let mut before: Option<(i64, i64)> = None;
    let mut limit = 100i64;
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "limit" => {
                limit = value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=500).contains(n))
                    .ok_or_else(|| Problem::field("limit", "expected 1 to 500"))?;
            }
            "cursor" => {
                let parsed = value
                    .split_once('.')
                    .and_then(|(v, s)| Some((v.parse::<i64>().ok()?, s.parse::<i64>().ok()?)));
                before = Some(
                    parsed
                        .ok_or_else(|| Problem::field("cursor", "not a cursor this API issued"))?,
                );
            }
            other => return Err(Problem::field(other, "unknown query parameter")),
        }
    }
    {
        let mut session = store::open(&app.db, &caller.org_id).await?;
        require(&session.loaded()?.org, caller, "audit:read")?;
    }
    #[derive(serde::Deserialize)]
    struct Row {
        version: f64,
        seq: f64,
        at: String,
        command: String,
        actor: String,
        target_kind: String,
        target_id: String,
        before: Option<String>,
        after: Option<String>,
    }
    let (v, s) = before.unwrap_or((i64::MAX / 2, 0));
    let rows: Vec<Row> = prepare(
        &app.db,
        "SELECT version, seq, at, command, actor, target_kind, target_id, before, after FROM audit \
         WHERE org_id = ?1 AND (version < ?2 OR (version = ?2 AND seq < ?3)) \
         ORDER BY version DESC, seq DESC LIMIT ?4",
        &[
            sql_text(&caller.org_id),
            sql_int(v),
            sql_int(if before.is_some() { s } else { i64::MAX / 2 }),
            sql_int(limit + 1),
        ],
    )?
    .all()
    .await?
    .results()?;
    let more = rows.len() as i64 > limit;
    let parse = |t: &Option<String>| {
        t.as_deref()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
    };
    let entries: Vec<Value> = rows
        .iter()
        .take(limit as usize)
        .map(|r| {
            json!({
                "version": r.version as i64,
                "seq": r.seq as i64,
                "at": r.at,
                "command": r.command,
                "actor": serde_json::from_str::<Value>(&r.actor).unwrap_or(Value::Null),
                "target_kind": r.target_kind,
                "target_id": r.target_id,
                "before": parse(&r.before),
                "after": parse(&r.after),
            })
        })
        .collect();
    let next = if more {
        rows.get(limit as usize - 1)
            .map(|r| format!("{}.{}", r.version as i64, r.seq as i64))
    } else {
        None
    };
    json_response(200, &json!({"entries": entries, "next_cursor": next}), None)
}

/// Whether the caller holds every permission in the catalog (the owner's reach): whole-org
/// export and import can grant or reveal anything, so they need it all.
fn require_everything(org: &Org, caller: &Caller) -> Result<(), Problem> {
    let user = org
        .user(caller.user_id.as_str())
        .ok_or_else(Problem::not_found)?;
    let granted = org.granted_permissions(user);
    let missing = org.permission_keys().find(|p| !granted.contains(p));
    match (user.status, missing) {
        (Status::Active, None) => Ok(()),
        _ => Err(Problem::new(
            403,
            "forbidden",
            "export and import need every permission (an owner)",
        )),
    }
}

async fn export(app: &App, caller: &Caller) -> Reply {
    let mut session = store::open(&app.db, &caller.org_id).await?;
    let loaded = session.loaded()?;
    require_everything(&loaded.org, caller)?;
    // The document is what import takes back. Token hashes stay in it: a SHA-256 of 256
    // random bits reveals nothing, and without them pending invitations could not survive.
    let document = serde_json::to_value(loaded.org.to_document()).map_err(Problem::internal)?;
    json_response(200, &document, Some(loaded.version))
}

async fn import(app: &App, req: &mut Request, caller: &Caller) -> Reply {
    let expected = if_match(req)?;
    // Who may import is settled before the (up to 32 MiB) body is read.
    {
        let mut session = store::open(&app.db, &caller.org_id).await?;
        require_everything(&session.loaded()?.org, caller)?;
    }
    let bytes = read_body(req, DOCUMENT_LIMIT).await?;
    let text = std::str::from_utf8(&bytes).map_err(|_| Problem::field("body", "not UTF-8"))?;
    let org = Org::from_json(text)?;
    if org.id().as_str() != caller.org_id {
        return Err(Problem::invalid("org.id", "must be the org of the URL"));
    }
    // The importer must stay an owner in what they import, or they could lock everyone out.
    if !org.active_owners().any(|u| u.id == caller.user_id) {
        return Err(Problem::invalid(
            "users",
            "the importing user must be an active owner in the document",
        ));
    }
    let mut session = store::open(&app.db, &caller.org_id).await?;
    let loaded = session.loaded()?;
    require_everything(&loaded.org, caller)?;
    if expected.is_some_and(|e| e != loaded.version) {
        return Err(stale(loaded.version));
    }
    let version = store::write_org(&app.db, &org, Some(loaded.version)).await?;
    app.publish(&org);
    *loaded = store::Loaded::new(version, org);
    json_response(200, &json!({"version": version}), Some(version))
}

/// Creates an org from a document. Only the host's provisioning secret may.
async fn create_org(app: &App, req: &mut Request) -> Reply {
    let token = auth::bearer(req.headers().get("authorization").ok().flatten())?;
    let secret = var(&app.env, "ROSTER_PROVISIONING_SECRET")
        .ok_or_else(|| Problem::new(403, "forbidden", "org creation is not enabled here"))?;
    if !constant_time_eq(token.as_bytes(), secret.as_bytes()) {
        return Err(Problem::unauthorized(
            "org creation needs the provisioning secret",
        ));
    }
    let bytes = read_body(req, DOCUMENT_LIMIT).await?;
    let text = std::str::from_utf8(&bytes).map_err(|_| Problem::field("body", "not UTF-8"))?;
    let org = Org::from_json(text)?;
    let version = store::write_org(&app.db, &org, None).await?;
    app.publish(&org);
    json_response(
        201,
        &json!({"id": org.id(), "version": version}),
        Some(version),
    )
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// --- API keys ---

async fn list_api_keys(app: &App, caller: &Caller) -> Reply {
    {
        let mut session = store::open(&app.db, &caller.org_id).await?;
        require(&session.loaded()?.org, caller, "api_keys:manage")?;
    }
    #[derive(serde::Deserialize, serde::Serialize)]
    struct Row {
        id: String,
        name: String,
        created_by: String,
        created_at: String,
        revoked_at: Option<String>,
    }
    let rows: Vec<Row> = prepare(
        &app.db,
        "SELECT id, name, created_by, created_at, revoked_at FROM api_keys \
         WHERE org_id = ?1 ORDER BY created_at",
        &[sql_text(&caller.org_id)],
    )?
    .all()
    .await?
    .results()?;
    json_response(200, &json!({"api_keys": rows}), None)
}

async fn create_api_key(app: &App, req: &mut Request, caller: &Caller) -> Reply {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        name: roster_engine::text::Name,
    }
    let body: Body = read_json(req, BODY_LIMIT).await?;
    {
        let mut session = store::open(&app.db, &caller.org_id).await?;
        require(&session.loaded()?.org, caller, "api_keys:manage")?;
    }
    // A key acts as a person; a key can't mint keys that outlive that person's own access.
    if matches!(caller.via, Via::ApiKey(_)) {
        return Err(Problem::new(
            403,
            "forbidden",
            "API keys are created with a person's credential",
        ));
    }
    let mut entropy = roster_engine::SystemEntropy;
    let (secret, _) = roster_engine::token::new_token(&mut entropy).map_err(Problem::internal)?;
    let key = format!("rk_{secret}");
    let id = roster_engine::token::new_id("key", &mut entropy).map_err(Problem::internal)?;
    let insert = prepare(
        &app.db,
        "INSERT INTO api_keys (org_id, id, name, hash, created_by, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[
            sql_text(&caller.org_id),
            sql_text(&id),
            sql_text(body.name.as_str()),
            sql_text(&auth::api_key_hash(&key)),
            sql_text(caller.user_id.as_str()),
            sql_text(&app.now.to_string()),
        ],
    )?;
    // The key and its audit row in one batch: both or neither.
    let audited = api_key_audit(app, caller, &id, ApiKeyChange::Created)?;
    app.db.batch(vec![insert, audited]).await?;
    let body = json!({"id": id, "name": body.name, "key": key, "created_by": caller.user_id});
    json_response(201, &body, None)
}

async fn revoke_api_key(app: &App, caller: &Caller, id: &str) -> Reply {
    {
        let mut session = store::open(&app.db, &caller.org_id).await?;
        require(&session.loaded()?.org, caller, "api_keys:manage")?;
    }
    // The audit row first, from the key as it stands, and only while it is unrevoked; then
    // the revocation. One batch, so both or neither.
    let audited = api_key_audit(app, caller, id, ApiKeyChange::Revoked)?;
    let revoke = prepare(
        &app.db,
        "UPDATE api_keys SET revoked_at = ?3 WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL",
        &[
            sql_text(&caller.org_id),
            sql_text(id),
            sql_text(&app.now.to_string()),
        ],
    )?;
    let results = app.db.batch(vec![audited, revoke]).await?;
    let changed = match results.last() {
        Some(result) => result.meta()?.and_then(|m| m.changes).unwrap_or(0),
        None => 0,
    };
    if changed == 0 {
        return Err(Problem::not_found());
    }
    json_response(200, &json!({"id": id, "revoked_at": app.now}), None)
}

/// What happened to an API key, for its audit row.
enum ApiKeyChange {
    Created,
    Revoked,
}

/// The audit row of an API key's creation or revocation: at the org's current version (a key
/// lives beside the org document, so it makes no new version), after that version's rows,
/// with the key as it was and is (never its hash). A revocation's row is written only while
/// the key is unrevoked, so it is written once.
fn api_key_audit(
    app: &App,
    caller: &Caller,
    id: &str,
    change: ApiKeyChange,
) -> Result<D1PreparedStatement, Problem> {
    let key = "json_object('id', k.id, 'name', k.name, 'created_by', k.created_by, \
               'created_at', k.created_at, 'revoked_at', k.revoked_at)";
    let revoked = "json_object('id', k.id, 'name', k.name, 'created_by', k.created_by, \
                   'created_at', k.created_at, 'revoked_at', ?3)";
    let (command, before, after, unrevoked) = match change {
        ApiKeyChange::Created => ("create_api_key", "NULL", key, ""),
        ApiKeyChange::Revoked => ("revoke_api_key", key, revoked, " AND k.revoked_at IS NULL"),
    };
    let actor = serde_json::to_string(&caller.actor()).map_err(Problem::internal)?;
    let sql = format!(
        "INSERT INTO audit (org_id, version, seq, at, command, actor, target_kind, target_id, \
         before, after) \
         SELECT ?1, o.version, \
           COALESCE((SELECT MAX(seq) + 1 FROM audit a \
                     WHERE a.org_id = ?1 AND a.version = o.version), 0), \
           ?3, ?4, ?5, 'api_key', ?2, {before}, {after} \
         FROM orgs o JOIN api_keys k ON k.org_id = o.id \
         WHERE o.id = ?1 AND k.id = ?2{unrevoked}"
    );
    let args = [
        sql_text(&caller.org_id),
        sql_text(id),
        sql_text(&app.now.to_string()),
        sql_text(command),
        sql_text(&actor),
    ];
    prepare(&app.db, &sql, &args)
}
