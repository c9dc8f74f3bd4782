//! The OpenAPI 3.1 description of the API, served at `/v1/openapi.json`.
//!
//! Written by hand beside the router in `api.rs`: one function per resource group builds its
//! paths, and [`document`] merges them. Bounds come from `roster_engine::limits`, so the
//! document and the engine can't disagree on a number. The pieces many endpoints share (the
//! problem body, path parameters, `If-Match`, `ETag`) live under `components`.

use roster_engine::catalog::BuiltinRole;
use roster_engine::document::DOCUMENT_VERSION;
use roster_engine::limits;
use serde_json::{json, Map, Value};

// What the problem responses say, where many endpoints say the same.
const UNAUTHORIZED: &str = "No credential, or a JWT or API key that is malformed, expired, \
    revoked, or for another issuer or audience (`unauthorized`).";
const NOT_IN_ORG: &str = "The org is not the credential's, or the caller is not a member of it \
    (`not_found`): nothing about another org is revealed, not even that it exists.";
const INACTIVE: &str = "The caller is not active (`actor_not_active`).";
const BAD_IF_MATCH: &str = "`If-Match` is not an ETag this API returned (`invalid_request`).";
const BAD_BODY: &str = "The body is not valid JSON, or `If-Match` is not an ETag this API \
    returned (`invalid_request`).";
const BAD_JSON: &str = "The body is not valid JSON (`invalid_request`).";
const NOT_OBJECT: &str = "The body is not a JSON object (`invalid_request`).";
const STALE: &str = "The org is not at the version in `If-Match`, or changed while the request \
    ran (`version_mismatch`): fetch it and retry.";
const BUSY: &str = "Other writes kept landing first (`busy`): try again.";
const INVALID: &str = "A value breaks its rules: a wrong type, a missing or unknown field, or a \
    value that is malformed, too long or out of range, in the body or the path \
    (`invalid_field`, `invalid_value`). `errors` names the field.";
const TOO_LARGE: &str = "The body is larger than 1 MiB (`body_too_large`).";
const DOCUMENT_TOO_LARGE: &str = "The body is larger than 32 MiB (`body_too_large`).";
const NOT_JSON: &str = "`Content-Type` is not `application/json` (`unsupported_media_type`).";
const BAD_DOCUMENT: &str = "The document is not JSON or breaks a rule (`invalid_document`); \
    `errors` names the first bad field, such as `users[12].email`.";
const SERVER_ERROR: &str = "A failure of the server's (`internal`): the cause is logged, and \
    nothing was changed.";

/// The OpenAPI document of the API.
pub fn document() -> Value {
    let groups = [
        paths_service(),
        paths_me(),
        paths_users(),
        paths_invitations(),
        paths_roles(),
        paths_groups(),
        paths_devices(),
        paths_seats(),
        paths_checks(),
        paths_settings(),
        paths_org_data(),
        paths_api_keys(),
    ];
    let mut paths = Map::new();
    for group in groups {
        merge(&mut paths, group);
    }
    json!({
        "openapi": "3.1.0",
        "info": info(),
        "tags": tags(),
        "security": [{"bearer": []}, {"apiKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": security_schemes(),
            "parameters": parameters(),
            "headers": headers(),
            "schemas": schemas(),
        },
    })
}

/// Adds the entries of `part` to `map`, merging the entries of an entry both have (the
/// methods of one path, described by two groups).
fn merge(map: &mut Map<String, Value>, part: Value) {
    let Value::Object(part) = part else { return };
    for (key, value) in part {
        let entry = map.entry(key).or_insert_with(|| json!({}));
        match (entry, value) {
            (Value::Object(entry), Value::Object(value)) => entry.extend(value),
            (entry, value) => *entry = value,
        }
    }
}

fn info() -> Value {
    json!({
        "title": "Roster API",
        "version": "1",
        "summary": "Users, invitations, roles, groups, devices, seats and access checks of orgs.",
        "description": "Every route under `/v1/orgs/{org}` is confined to one org. The caller \
            sends a credential as `Authorization: Bearer …`: a JWT from the host's identity \
            provider, or an org API key (`rk_…`). Either names exactly one member of one org; \
            a request for another org, or by someone who is not a member, is answered 404.\n\n\
            Responses that read or change an org carry its version as `ETag` (`\"v12\"`). A \
            write sent with that value in `If-Match` is refused with 412 if the org has moved \
            on; without it, the write applies to the current version, and is retried when \
            another write lands first.\n\n\
            Request bodies are JSON (`Content-Type: application/json`), at most 1 MiB, or \
            32 MiB for org documents. A body that is not valid JSON is answered 400; one that \
            is valid JSON but not what the endpoint takes (a wrong type, a missing or unknown \
            field, a value out of bounds, a field the URL or the credential gives) 422. An org \
            document that is not JSON or breaks a rule is answered 422 (`invalid_document`). \
            A bad query parameter or `If-Match` header is answered 400.\n\n\
            Errors are `application/problem+json` (RFC 9457) with a \
            stable `code`; a wrong method on `/`, `/healthz`, `/v1/openapi.json` or \
            `/v1/invitations/accept` is answered 405, any other unknown route 404 (under \
            `/v1/orgs/{org}`, after the credential is checked).",
    })
}

fn tags() -> Value {
    json!([
        {"name": "service", "description": "Health and this description."},
        {"name": "me", "description": "The caller."},
        {"name": "users", "description": "Members in every status, their roles and seats."},
        {"name": "invitations", "description": "Invitations by email, and accepting them."},
        {"name": "roles", "description": "The permission catalog and the roles."},
        {"name": "groups", "description": "Groups, their members, roles and parents."},
        {"name": "devices", "description": "Devices members signed in from."},
        {"name": "seats", "description": "Seat usage and the purchased count."},
        {"name": "checks", "description": "Is a user allowed a permission, and why."},
        {"name": "orgs", "description": "Whole orgs: creating, settings, the audit log, export \
            and import."},
        {"name": "api-keys", "description": "The org's API keys."},
    ])
}

fn security_schemes() -> Value {
    json!({
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An HS256 JWT from the host portal's identity provider: `sub` is \
                the member's user id and `org` the org's key; `exp`, `nbf`, `iss` and `aud` \
                are checked, with a minute of leeway for clocks.",
        },
        "apiKey": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "rk_…",
            "description": "An org API key, sent as `Authorization: Bearer rk_…`. It acts as \
                the member who created it, with that member's permissions at each call.",
        },
        "provisioning": {
            "type": "http",
            "scheme": "bearer",
            "description": "The deployment's provisioning secret (`ROSTER_PROVISIONING_SECRET`), \
                for creating orgs only.",
        },
    })
}

fn parameters() -> Value {
    json!({
        "org": path_param("org", "The org's key: the credential's org.", schema("Key")),
        "user_id": path_param("user_id", "A user's id.", schema("Id")),
        "role": path_param("role", "A role's key, built in or custom.", schema("Key")),
        "group": path_param("group", "A group's key.", schema("Key")),
        "invitation_id": path_param("invitation_id", "An invitation's id.", schema("Id")),
        "device_id": path_param("device_id", "A device's id.", schema("Id")),
        "api_key_id": path_param("api_key_id", "An API key's id.", json!({"type": "string"})),
        "if_match": {
            "name": "If-Match",
            "in": "header",
            "required": false,
            "description": "The `ETag` of a previous response (`\"v12\"`; `W/\"v12\"`, `v12` \
                and `12` are read the same): the write is refused with 412 unless the org is \
                still at that version. `*` is not supported.",
            "schema": {"type": "string", "examples": ["\"v12\""]},
        },
    })
}

fn headers() -> Value {
    json!({
        "ETag": {
            "description": "The org's version after the request; send it in `If-Match`.",
            "schema": {"type": "string", "pattern": "^\"v[0-9]+\"$", "examples": ["\"v12\""]},
        },
        "WWW-Authenticate": {
            "description": "Always `Bearer`.",
            "schema": {"type": "string", "const": "Bearer"},
        },
    })
}

// --- Building blocks ---

fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// A reference to a shared schema with a description of its use here.
fn described(name: &str, description: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}"), "description": description})
}

fn param(name: &str) -> Value {
    json!({"$ref": format!("#/components/parameters/{name}")})
}

fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({
        "name": name,
        "in": "path",
        "required": true,
        "description": description,
        "schema": schema,
    })
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({
        "name": name,
        "in": "query",
        "required": false,
        "description": description,
        "schema": schema,
    })
}

fn list(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

fn list_max(items: Value, max: usize) -> Value {
    json!({"type": "array", "items": items, "maxItems": max})
}

/// A value that may also be `null` (serde reads `null` as absent for optional fields).
fn or_null(schema: Value) -> Value {
    json!({"oneOf": [schema, {"type": "null"}]})
}

/// An object with these properties, some of them required.
fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

/// An object that refuses fields it does not name.
fn strict(required: &[&str], properties: Value) -> Value {
    closed(object(required, properties))
}

/// `schema` refusing fields it does not name.
fn closed(mut schema: Value) -> Value {
    if let Value::Object(map) = &mut schema {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    schema
}

/// `record` with more properties, some of them required.
fn extended(mut record: Value, properties: Value, required: &[&str]) -> Value {
    if let (Some(Value::Object(own)), Value::Object(more)) =
        (record.get_mut("properties"), properties)
    {
        own.extend(more);
    }
    if let Some(Value::Array(list)) = record.get_mut("required") {
        list.extend(required.iter().map(|r| json!(r)));
    }
    record
}

/// A required JSON request body.
fn body(schema: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

/// A JSON success response; `etag` when it carries the org's version.
fn ok(description: &str, body: Value, etag: bool) -> Value {
    let mut response = json!({
        "description": description,
        "content": {"application/json": {"schema": body}},
    });
    if let (true, Value::Object(map)) = (etag, &mut response) {
        let header = json!({"ETag": {"$ref": "#/components/headers/ETag"}});
        map.insert("headers".into(), header);
    }
    response
}

/// The directory's success response: the document as JSON, or in the compact form.
fn directory_ok() -> Value {
    let mut response = ok("The org.", schema("OrgDocument"), true);
    let binary = json!({"schema": {"type": "string", "format": "binary"}});
    if let Some(Value::Object(content)) = response.get_mut("content") {
        content.insert(roster_engine::compact::MEDIA_TYPE.into(), binary);
    }
    response
}

fn problem(status: u16, description: &str) -> Value {
    let mut response = json!({
        "description": description,
        "content": {"application/problem+json": {"schema": schema("Problem")}},
    });
    if let (401, Value::Object(map)) = (status, &mut response) {
        let header = json!({"$ref": "#/components/headers/WWW-Authenticate"});
        map.insert("headers".into(), json!({"WWW-Authenticate": header}));
    }
    response
}

/// The success response and the problems an endpoint answers with. Descriptions given for
/// the same status are joined; 500 is added, as any request can meet a failure of ours.
fn responses(status: u16, success: Value, problems: &[(u16, &str)]) -> Value {
    let mut texts: Vec<(u16, String)> = Vec::new();
    for &(status, text) in problems.iter().chain(&[(500, SERVER_ERROR)]) {
        match texts.iter_mut().find(|(s, _)| *s == status) {
            Some((_, joined)) => {
                joined.push(' ');
                joined.push_str(text);
            }
            None => texts.push((status, text.to_owned())),
        }
    }
    let mut map = Map::new();
    map.insert(status.to_string(), success);
    for (status, text) in texts {
        map.insert(status.to_string(), problem(status, &text));
    }
    Value::Object(map)
}

fn forbidden(permission: &str) -> String {
    format!("The caller lacks `{permission}` or is not active (`forbidden`).")
}

/// The responses of a read that needs `permission`, answered with the org's version as ETag.
fn read_responses(description: &str, body: Value, permission: &str, not_found: &str) -> Value {
    let forbidden = forbidden(permission);
    let problems = [
        (401, UNAUTHORIZED),
        (403, forbidden.as_str()),
        (404, not_found),
    ];
    responses(200, ok(description, body, true), &problems)
}

/// What a write reads from the request besides `If-Match`, for the refusals that come with it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Input {
    /// Nothing: the command's fields come from the credential.
    Nothing,
    /// Path parameters, which the command checks like any value.
    Path,
    /// A JSON object body whose fields the command reads (and possibly path parameters).
    Body,
    /// A JSON object body the handler checks itself before the command sees it.
    Checked,
}

/// The responses of a write that runs one engine command: `status` with `result` and the
/// org's new version as ETag, the refusals particular to the command, and those every command
/// can meet, with the refusals of what it reads (`input`).
fn write_responses(status: u16, result: Value, input: Input, refusals: &[(u16, &str)]) -> Value {
    let bad_request = match input {
        Input::Body | Input::Checked => BAD_BODY,
        Input::Nothing | Input::Path => BAD_IF_MATCH,
    };
    let mut problems = vec![(400, bad_request), (401, UNAUTHORIZED)];
    problems.extend_from_slice(refusals);
    problems.extend([
        (403, INACTIVE),
        (404, NOT_IN_ORG),
        (409, BUSY),
        (412, STALE),
    ]);
    match input {
        Input::Nothing => {}
        Input::Path => problems.push((422, INVALID)),
        Input::Body | Input::Checked => {
            problems.extend([(413, TOO_LARGE), (415, NOT_JSON), (422, NOT_OBJECT)]);
            if input == Input::Body {
                problems.push((422, INVALID));
            }
        }
    }
    let description = "Done: the records the command changed (`events`, empty when it changed \
        nothing) and the org's version after it.";
    responses(status, ok(description, result, true), &problems)
}

fn command_result() -> Value {
    schema("CommandResult")
}

// --- Paths ---

/// The routes outside any org: the index, health, this document, accepting an invitation,
/// and creating an org.
fn paths_service() -> Value {
    let html = json!({
        "description": "An HTML page pointing at this description and the health check.",
        "content": {"text/html": {"schema": {"type": "string"}}},
    });
    let health = object(&["status"], json!({"status": {"const": "ok"}}));
    let openapi = json!({"type": "object", "description": "This document."});
    json!({
        "/": {"get": {
            "operationId": "index",
            "tags": ["service"],
            "summary": "The API's front page",
            "security": [],
            "responses": responses(200, html, &[]),
        }},
        "/healthz": {"get": {
            "operationId": "health",
            "tags": ["service"],
            "summary": "Whether the service is up",
            "security": [],
            "responses": responses(200, ok("Up.", health, false), &[]),
        }},
        "/v1/openapi.json": {"get": {
            "operationId": "openapi",
            "tags": ["service"],
            "summary": "This description",
            "security": [],
            "responses": responses(200, ok("The OpenAPI document.", openapi, false), &[]),
        }},
        "/v1/invitations/accept": {"post": accept_invitation()},
        "/v1/orgs": {"post": create_org()},
    })
}

fn accept_invitation() -> Value {
    let request = strict(
        &["token"],
        json!({
            "token": {
                "type": "string",
                "minLength": 1,
                "maxLength": 256,
                "description": "The token from the invitation link (after `#token=`).",
            },
            "name": or_null(described("Name", "The name the new member chose.")),
        }),
    );
    let accepted = object(
        &["org_id", "user_id", "version", "notes"],
        json!({
            "org_id": schema("Key"),
            "user_id": or_null(described("Id", "The new member.")),
            "version": schema("Version"),
            "notes": list(schema("Note")),
        }),
    );
    json!({
        "operationId": "acceptInvitation",
        "tags": ["invitations"],
        "summary": "Accept an invitation with its token",
        "description": "Needs no credential: the token is the proof. The invited user becomes \
            active with the invitation's roles and groups, and takes a free seat when the \
            org's `seat_on_accept` says so (a `no_seat_free` note says when none was free).",
        "security": [],
        "requestBody": body(request),
        "responses": responses(200, ok("Accepted.", accepted, true), &[
            (400, BAD_JSON),
            (404, "No invitation has this token: it is mistyped, or was replaced by a resend \
                (`invalid_token`)."),
            (409, "The invitation was accepted, revoked or has expired \
                (`invitation_not_pending`), or its user is no longer invited \
                (`invalid_transition`)."),
            (409, BUSY),
            (413, TOO_LARGE),
            (415, NOT_JSON),
            (422, "The body is not an object, lacks `token`, holds another field, or has a \
                value of the wrong type (`invalid_request`)."),
            (422, "`name` breaks the rules of a name (`invalid_field`)."),
        ]),
    })
}

fn create_org() -> Value {
    let created = object(
        &["id", "version"],
        json!({
            "id": schema("Key"),
            "version": schema("Version"),
        }),
    );
    json!({
        "operationId": "createOrg",
        "tags": ["orgs"],
        "summary": "Create an org from a document",
        "description": "For the host's provisioning: the bearer token is the provisioning \
            secret, not a member's credential. The document is checked as an import is.",
        "security": [{"provisioning": []}],
        "requestBody": body(schema("OrgDocument")),
        "responses": responses(201, ok("Created, at version 1.", created, true), &[
            (400, "The body is not UTF-8 (`invalid_request`)."),
            (401, "No bearer token, or not the provisioning secret (`unauthorized`)."),
            (403, "Org creation is not enabled: the deployment has no provisioning secret \
                (`forbidden`)."),
            (409, "An org with this key exists (`already_exists`)."),
            (413, DOCUMENT_TOO_LARGE),
            (415, NOT_JSON),
            (422, BAD_DOCUMENT),
        ]),
    })
}

fn paths_me() -> Value {
    json!({
        "/v1/orgs/{org}/me": {"get": {
            "operationId": "getMe",
            "tags": ["me"],
            "summary": "The caller: their user, org, permissions and credential",
            "description": "Needs no permission: any member, in any status, may read it.",
            "parameters": [param("org")],
            "responses": responses(200, ok("The caller.", schema("Me"), true), &[
                (401, UNAUTHORIZED),
                (404, NOT_IN_ORG),
            ]),
        }},
        "/v1/orgs/{org}/me/activity": {"post": {
            "operationId": "recordActivity",
            "tags": ["me"],
            "summary": "Note that the caller was active now",
            "description": "Sets the caller's `last_active_at`. Takes no body and needs no \
                permission, only an active caller.",
            "parameters": [param("org"), param("if_match")],
            "responses": write_responses(200, command_result(), Input::Nothing, &[]),
        }},
    })
}

fn user_query() -> Vec<Value> {
    let sorts = ["name", "email", "status", "last_active", "created"];
    vec![
        param("org"),
        json!({
            "name": "status",
            "in": "query",
            "required": false,
            "style": "form",
            "explode": false,
            "description": "Only users in one of these statuses, comma-separated (the \
                parameter may also be repeated).",
            "schema": list(schema("Status")),
        }),
        query(
            "role",
            "Only users holding this role, directly or through a group.",
            schema("Key"),
        ),
        query("group", "Only direct members of this group.", schema("Key")),
        query(
            "seat",
            "Only users with (`true`) or without (`false`) a seat.",
            json!({"type": "boolean"}),
        ),
        query(
            "search",
            "Only users whose name or email contains this text, ignoring case (of Latin, \
             Greek, Cyrillic and Armenian letters).",
            json!({"type": "string", "maxLength": limits::SEARCH_CHARS}),
        ),
        query(
            "sort",
            "The sort key: `name` (the email for users without one), `email`, `status` (in \
                the order invited, active, suspended, deactivated), `last_active` (users never \
                seen first, ascending) or `created`.",
            json!({"type": "string", "enum": sorts, "default": "name"}),
        ),
        query(
            "order",
            "The sort order.",
            json!({"type": "string", "enum": ["asc", "desc"], "default": "asc"}),
        ),
        query(
            "limit",
            "Users per page; 0 is the default, 50.",
            json!({"type": "integer", "minimum": 0, "maximum": limits::PAGE_SIZE, "default": 50}),
        ),
        query(
            "cursor",
            "The previous page's `next_cursor`, with the same `sort` and `order`.",
            json!({"type": "string", "maxLength": 1024}),
        ),
    ]
}

fn paths_users() -> Value {
    let bad_query = "An unknown query parameter, a malformed value, a `role` or `group` that \
        doesn't exist, a `limit` over 500, a `search` over 200 characters, or a `cursor` not \
        issued for this `sort` and `order` (`invalid_request`).";
    json!({
        "/v1/orgs/{org}/users": {"get": {
            "operationId": "listUsers",
            "tags": ["users"],
            "summary": "List users, filtered, sorted and a page at a time",
            "description": "Needs `users:read`. Pages are cut by keyset: a page never repeats \
                or skips a user when others change between requests.",
            "parameters": user_query(),
            "responses": responses(200, ok("A page of users.", schema("UserPage"), true), &[
                (400, bad_query),
                (401, UNAUTHORIZED),
                (403, &forbidden("users:read")),
                (404, NOT_IN_ORG),
            ]),
        }},
        "/v1/orgs/{org}/users/{user_id}": {
            "get": {
                "operationId": "getUser",
                "tags": ["users"],
                "summary": "A user",
                "description": "Needs `users:read`.",
                "parameters": [param("org"), param("user_id")],
                "responses": read_responses("The user.", schema("User"), "users:read",
                    "No such user, or the org is not the caller's (`not_found`)."),
            },
            "patch": update_user(),
            "delete": {
                "operationId": "deactivateUser",
                "tags": ["users"],
                "summary": "Deactivate a user",
                "description": "Ends the membership: the user's pending invitations and \
                    devices are revoked and their seat is freed; an invited user's invitation \
                    is revoked. Needs `users:deactivate`, except to leave the org oneself.",
                "parameters": [param("org"), param("user_id"), param("if_match")],
                "responses": write_responses(200, command_result(), Input::Path, &[
                    (403, "The caller lacks `users:deactivate` (`forbidden`), or lacks a \
                        permission the user holds (`escalation`)."),
                    (404, "No such user."),
                    (409, "The user is already deactivated (`invalid_transition`), or is the \
                        last active owner (`last_owner`)."),
                ]),
            },
        },
        "/v1/orgs/{org}/users/{user_id}/roles/{role}": {
            "put": user_role("assignRole", "Give a user a role directly", true),
            "delete": user_role("unassignRole", "Take a directly held role from a user", false),
        },
        "/v1/orgs/{org}/users/{user_id}/seat": {
            "put": {
                "operationId": "assignSeat",
                "tags": ["seats"],
                "summary": "Give an active user a seat",
                "description": "Needs `seats:assign`. Assigning a seat the user holds changes \
                    nothing.",
                "parameters": [param("org"), param("user_id"), param("if_match")],
                "responses": write_responses(200, command_result(), Input::Path, &[
                    (403, "The caller lacks `seats:assign` (`forbidden`)."),
                    (404, "No such user."),
                    (409, "The user is not active (`invalid_transition`), or no seat is free \
                        (`seats_exhausted`)."),
                ]),
            },
            "delete": {
                "operationId": "unassignSeat",
                "tags": ["seats"],
                "summary": "Take a user's seat back",
                "description": "Needs `seats:assign`.",
                "parameters": [param("org"), param("user_id"), param("if_match")],
                "responses": write_responses(200, command_result(), Input::Path, &[
                    (403, "The caller lacks `seats:assign` (`forbidden`)."),
                    (404, "No such user."),
                ]),
            },
        },
    })
}

fn update_user() -> Value {
    let status = strict(
        &["status"],
        json!({
            "status": {
                "type": "string",
                "enum": ["active", "suspended", "deactivated"],
                "description": "`suspended` suspends an active user, `active` reactivates a \
                    suspended one, `deactivated` deactivates.",
            },
        }),
    );
    let profile = strict(
        &[],
        json!({
            "name": or_null(schema("Name")),
            "settings": or_null(described("UserSettings", "Replaces the user's settings.")),
        }),
    );
    json!({
        "operationId": "updateUser",
        "tags": ["users"],
        "summary": "Change a user's status, or their name and settings",
        "description": "A status change is sent on its own. Suspending and reactivating need \
            `users:suspend`, deactivating `users:deactivate` (except oneself), and both every \
            permission the user holds. Changing another user's name or settings needs \
            `users:update`; one's own needs nothing.",
        "parameters": [param("org"), param("user_id"), param("if_match")],
        "requestBody": body(json!({"oneOf": [status, profile]})),
        "responses": write_responses(200, command_result(), Input::Body, &[
            (403, "The caller lacks the permission (`forbidden`), lacks a permission the user \
                holds (`escalation`), or tried to suspend themselves (`self_action`)."),
            (404, "No such user."),
            (409, "The user's status doesn't allow the move (`invalid_transition`), or it \
                would leave no active owner (`last_owner`)."),
            (422, "The body holds `command` or `user_id`, which come from the URL; `status` \
                is sent with other fields, or is not `active`, `suspended` or `deactivated` \
                (`invalid_request`)."),
        ]),
    })
}

fn user_role(id: &str, summary: &str, assign: bool) -> Value {
    let too_many = format!(
        "The user holds {} roles directly already (`too_many`).",
        limits::ROLES_PER_HOLDER
    );
    let mut refusals = vec![
        (
            403,
            "The caller lacks `roles:assign` (`forbidden`), or lacks a \
            permission the role carries (`escalation`).",
        ),
        (404, "No such user or role."),
        (409, "The user is deactivated (`invalid_transition`)."),
    ];
    if assign {
        refusals.push((422, too_many.as_str()));
    } else {
        refusals.push((409, "It would leave no active owner (`last_owner`)."));
    }
    json!({
        "operationId": id,
        "tags": ["users"],
        "summary": summary,
        "description": "Needs `roles:assign` and every permission the role carries. A change \
            that is already so changes nothing.",
        "parameters": [param("org"), param("user_id"), param("role"), param("if_match")],
        "responses": write_responses(200, command_result(), Input::Path, &refusals),
    })
}

fn paths_invitations() -> Value {
    let invitations = object(
        &["invitations"],
        json!({"invitations": list(schema("Invitation"))}),
    );
    json!({
        "/v1/orgs/{org}/invitations": {
            "get": {
                "operationId": "listInvitations",
                "tags": ["invitations"],
                "summary": "List invitations in every state",
                "description": "Needs `invitations:read`. Never a token or its hash.",
                "parameters": [param("org")],
                "responses": read_responses("The invitations.", invitations,
                    "invitations:read", NOT_IN_ORG),
            },
            "post": invite(),
        },
        "/v1/orgs/{org}/invitations/{invitation_id}": {
            "delete": revoke_invitation("deleteInvitation"),
        },
        "/v1/orgs/{org}/invitations/{invitation_id}/revoke": {
            "post": revoke_invitation("revokeInvitation"),
        },
        "/v1/orgs/{org}/invitations/{invitation_id}/resend": {"post": {
            "operationId": "resendInvitation",
            "tags": ["invitations"],
            "summary": "Send an invitation again",
            "description": "A new token and expiry (the org's `invitation_days`) replace the \
                old ones, so the old link stops working. Needs `invitations:create` and every \
                permission the invitation's roles and groups grant. The new token and its link \
                are in the response (`invitations`, one entry), once: only its hash is kept.",
            "parameters": [param("org"), param("invitation_id"), param("if_match")],
            "responses": write_responses(200, schema("InviteResult"), Input::Path, &[
                (403, "The caller lacks `invitations:create` (`forbidden`), \
                    or lacks a permission the invitation grants (`escalation`)."),
                (404, "No such invitation."),
                (409, "The invitation was accepted or revoked (`invitation_not_pending`)."),
            ]),
        }},
    })
}

fn invite() -> Value {
    let days = limits::INVITATION_DAYS;
    let expires = or_null(json!({
        "type": "integer",
        "minimum": days.start(),
        "maximum": days.end(),
        "description": "Days until the invitations expire; the org's `invitation_days` when \
            absent.",
    }));
    let many = strict(
        &["invitations"],
        json!({
            "invitations": {
                "type": "array",
                "items": schema("InviteSpec"),
                "minItems": 1,
                "maxItems": limits::INVITATIONS_PER_BATCH,
            },
            "expires_in_days": expires.clone(),
        }),
    );
    let one = strict(
        &["email"],
        json!({
            "email": schema("Email"),
            "roles": list_max(schema("Key"), limits::ROLES_PER_HOLDER),
            "groups": list_max(schema("Key"), limits::GROUPS_PER_USER),
            "expires_in_days": expires,
        }),
    );
    json!({
        "operationId": "invite",
        "tags": ["invitations"],
        "summary": "Invite people by email",
        "description": "One person (`email`, `roles` and `groups` at the top level) or several \
            (`invitations`); all are invited or none. Needs `invitations:create` and every \
            permission the roles and groups grant. Each token is in the response, once: only \
            its hash is kept.",
        "parameters": [param("org"), param("if_match")],
        "requestBody": body(json!({"oneOf": [one, many]})),
        "responses": write_responses(201, schema("InviteResult"), Input::Body, &[
            (403, "The caller lacks `invitations:create` (`forbidden`), or \
                lacks a permission the invitations grant (`escalation`)."),
            (409, "An email belongs to someone invited or a member (`email_taken`)."),
            (422, "The body holds `command`, or both `email` and `invitations` \
                (`invalid_request`)."),
            (422, "An email given twice, a role or group that doesn't exist, too many people, \
                roles or groups, an expiry outside 1 to 30 days, or the org's bound on users \
                or invitations reached (`invalid_field`, `too_many`)."),
        ]),
    })
}

fn revoke_invitation(id: &str) -> Value {
    json!({
        "operationId": id,
        "tags": ["invitations"],
        "summary": "Revoke a pending invitation",
        "description": "Needs `invitations:revoke`. An invited user who never joined is \
            removed; one who was a member before goes back to deactivated.",
        "parameters": [param("org"), param("invitation_id"), param("if_match")],
        "responses": write_responses(200, command_result(), Input::Path, &[
            (403, "The caller lacks `invitations:revoke` (`forbidden`)."),
            (404, "No such invitation."),
            (409, "The invitation was accepted or revoked (`invitation_not_pending`)."),
        ]),
    })
}

fn paths_roles() -> Value {
    let roles = object(&["roles"], json!({"roles": list(schema("Role"))}));
    let catalog = object(
        &["permissions"],
        json!({"permissions": list(schema("Permission"))}),
    );
    let permissions = list_max(schema("PermissionKey"), limits::PERMISSIONS_PER_ROLE);
    let new_role = strict(
        &["key", "name", "permissions"],
        json!({
            "key": schema("Key"),
            "name": schema("Name"),
            "description": or_null(schema("Description")),
            "permissions": permissions.clone(),
        }),
    );
    let role_update = strict(
        &[],
        json!({
            "name": or_null(schema("Name")),
            "description": or_null(schema("Description")),
            "permissions": or_null(permissions),
        }),
    );
    json!({
        "/v1/orgs/{org}/permissions": {"get": {
            "operationId": "listPermissions",
            "tags": ["roles"],
            "summary": "The permission catalog: Roster's own and the product's",
            "description": "Needs `roles:read`.",
            "parameters": [param("org")],
            "responses": read_responses("The catalog.", catalog, "roles:read", NOT_IN_ORG),
        }},
        "/v1/orgs/{org}/roles": {
            "get": {
                "operationId": "listRoles",
                "tags": ["roles"],
                "summary": "Every role, built in and custom, with its permissions",
                "description": "Needs `roles:read`.",
                "parameters": [param("org")],
                "responses": read_responses("The roles.", roles, "roles:read", NOT_IN_ORG),
            },
            "post": {
                "operationId": "createRole",
                "tags": ["roles"],
                "summary": "Create a custom role",
                "description": "Needs `roles:manage` and every permission the role carries.",
                "parameters": [param("org"), param("if_match")],
                "requestBody": body(new_role),
                "responses": write_responses(201, command_result(), Input::Body, &[
                    (403, "The caller lacks `roles:manage` (`forbidden`), or \
                        lacks a permission the role carries (`escalation`)."),
                    (409, "A role with this key exists (`already_exists`), or the key is a \
                        built-in role's (`builtin_role`)."),
                    (422, "The body holds `command` (`invalid_request`)."),
                    (422, "A permission not in the catalog, too many permissions, or the org \
                        has its most custom roles (`invalid_field`, `too_many`)."),
                ]),
            },
        },
        "/v1/orgs/{org}/roles/{role}": {
            "patch": {
                "operationId": "updateRole",
                "tags": ["roles"],
                "summary": "Change a custom role",
                "description": "Needs `roles:manage` and every permission the role carries, \
                    before and after.",
                "parameters": [param("org"), param("role"), param("if_match")],
                "requestBody": body(role_update),
                "responses": write_responses(200, command_result(), Input::Body, &[
                    (403, "The caller lacks `roles:manage` (`forbidden`), or \
                        lacks a permission the role carries or would carry (`escalation`)."),
                    (404, "No such custom role."),
                    (409, "Built-in roles can't be changed (`builtin_role`)."),
                    (422, "The body holds `key` or `command`: they come from the URL \
                        (`invalid_request`)."),
                    (422, "A permission not in the catalog, or too many (`invalid_field`, \
                        `too_many`)."),
                ]),
            },
            "delete": {
                "operationId": "deleteRole",
                "tags": ["roles"],
                "summary": "Delete a custom role",
                "description": "Takes the role from every user, group and invitation. Needs \
                    `roles:manage` and every permission the role carries.",
                "parameters": [param("org"), param("role"), param("if_match")],
                "responses": write_responses(200, command_result(), Input::Path, &[
                    (403, "The caller lacks `roles:manage` (`forbidden`), or \
                        lacks a permission the role carries (`escalation`)."),
                    (404, "No such custom role."),
                    (409, "Built-in roles can't be deleted (`builtin_role`)."),
                ]),
            },
        },
    })
}

fn paths_groups() -> Value {
    let groups = object(&["groups"], json!({"groups": list(schema("Group"))}));
    let roles = list_max(schema("Key"), limits::ROLES_PER_HOLDER);
    let parents = list_max(schema("Key"), limits::PARENTS_PER_GROUP);
    let new_group = strict(
        &["key", "name"],
        json!({
            "key": schema("Key"),
            "name": schema("Name"),
            "description": or_null(schema("Description")),
            "roles": roles.clone(),
            "parents": parents.clone(),
        }),
    );
    let group_update = strict(
        &[],
        json!({
            "name": or_null(schema("Name")),
            "description": or_null(schema("Description")),
            "roles": or_null(roles),
            "parents": or_null(parents),
        }),
    );
    let structure = "Its parents would form a cycle (`group_cycle`) or a chain of more than \
        8 groups (`group_too_deep`).";
    json!({
        "/v1/orgs/{org}/groups": {
            "get": {
                "operationId": "listGroups",
                "tags": ["groups"],
                "summary": "List groups with their members and permissions",
                "description": "Needs `groups:read`.",
                "parameters": [param("org")],
                "responses": read_responses("The groups.", groups, "groups:read", NOT_IN_ORG),
            },
            "post": {
                "operationId": "createGroup",
                "tags": ["groups"],
                "summary": "Create a group",
                "description": "Needs `groups:manage` and every permission the group will \
                    grant.",
                "parameters": [param("org"), param("if_match")],
                "requestBody": body(new_group),
                "responses": write_responses(201, command_result(), Input::Body, &[
                    (403, "The caller lacks `groups:manage` (`forbidden`), \
                        or lacks a permission the group would grant (`escalation`)."),
                    (409, "A group with this key exists (`already_exists`)."),
                    (409, structure),
                    (422, "The body holds `command` (`invalid_request`)."),
                    (422, "A role or parent that doesn't exist, too many of either, or the \
                        org has its most groups (`invalid_field`, `too_many`)."),
                ]),
            },
        },
        "/v1/orgs/{org}/groups/{group}": {
            "get": {
                "operationId": "getGroup",
                "tags": ["groups"],
                "summary": "A group with its members and permissions",
                "description": "Needs `groups:read`.",
                "parameters": [param("org"), param("group")],
                "responses": read_responses("The group.", schema("Group"), "groups:read",
                    "No such group, or the org is not the caller's (`not_found`)."),
            },
            "patch": {
                "operationId": "updateGroup",
                "tags": ["groups"],
                "summary": "Change a group",
                "description": "Needs `groups:manage` and every permission the group grants, \
                    before and after. `roles` and `parents` replace the lists.",
                "parameters": [param("org"), param("group"), param("if_match")],
                "requestBody": body(group_update),
                "responses": write_responses(200, command_result(), Input::Body, &[
                    (403, "The caller lacks `groups:manage` (`forbidden`), \
                        or lacks a permission the group grants or would grant \
                        (`escalation`)."),
                    (404, "No such group."),
                    (409, structure),
                    (409, "It would leave no active owner (`last_owner`)."),
                    (422, "The body holds `key` or `command`: they come from the URL \
                        (`invalid_request`)."),
                    (422, "A role or parent that doesn't exist, or too many (`invalid_field`, \
                        `too_many`)."),
                ]),
            },
            "delete": {
                "operationId": "deleteGroup",
                "tags": ["groups"],
                "summary": "Delete a group",
                "description": "Takes it from its members, child groups and invitations. \
                    Needs `groups:manage` and every permission the group grants.",
                "parameters": [param("org"), param("group"), param("if_match")],
                "responses": write_responses(200, command_result(), Input::Path, &[
                    (403, "The caller lacks `groups:manage` (`forbidden`), \
                        or lacks a permission the group grants (`escalation`)."),
                    (404, "No such group."),
                    (409, "It would leave no active owner (`last_owner`)."),
                ]),
            },
        },
        "/v1/orgs/{org}/groups/{group}/members/{user_id}": {
            "put": group_member("addGroupMember", "Add a user to a group"),
            "delete": group_member("removeGroupMember", "Take a user out of a group"),
        },
        "/v1/orgs/{org}/groups/{group}/roles/{role}": {
            "put": group_role("addGroupRole", "Let a group grant a role", true),
            "delete": group_role("removeGroupRole", "Stop a group granting a role", false),
        },
    })
}

fn group_member(id: &str, summary: &str) -> Value {
    let too_many = format!(
        "The user is in {} groups already (`too_many`).",
        limits::GROUPS_PER_USER
    );
    json!({
        "operationId": id,
        "tags": ["groups"],
        "summary": summary,
        "description": "Needs `groups:manage` and every permission the group grants. A change \
            that is already so changes nothing.",
        "parameters": [param("org"), param("group"), param("user_id"), param("if_match")],
        "responses": write_responses(200, command_result(), Input::Path, &[
            (403, "The caller lacks `groups:manage` (`forbidden`), or lacks a \
                permission the group grants (`escalation`)."),
            (404, "No such group or user."),
            (409, "The user is deactivated (`invalid_transition`), or would leave the org \
                without an active owner (`last_owner`)."),
            (422, &too_many),
        ]),
    })
}

/// Changing one role of a group: the handler reads the group's role list (which needs
/// `groups:read`) and writes the whole list pinned to the version it read. When another write
/// lands in between, it reads again, unless the caller pinned a version with `If-Match`.
fn group_role(id: &str, summary: &str, add: bool) -> Value {
    let result = ok(
        "Done: the records changed (`events`, empty when nothing changed) and the version.",
        command_result(),
        true,
    );
    let mut problems = vec![
        (400, BAD_IF_MATCH),
        (401, UNAUTHORIZED),
        (
            403,
            "The caller lacks `groups:read` or `groups:manage`, or is not active \
            (`forbidden`), or lacks a permission the group grants or would grant \
            (`escalation`).",
        ),
        (404, "No such group."),
        (404, NOT_IN_ORG),
        (409, BUSY),
        (
            412,
            "`If-Match` was sent and the org is not at that version, or changed while the \
            request ran (`version_mismatch`): fetch it and retry. Without `If-Match`, never.",
        ),
    ];
    if add {
        problems.push((
            422,
            "The role doesn't exist, is not a valid key, or would be one too many \
            (`invalid_field`, `too_many`).",
        ));
    } else {
        problems.push((409, "It would leave no active owner (`last_owner`)."));
    }
    let description = if add {
        "Needs `groups:read`, `groups:manage` and every permission the group grants, before \
            and after. Adding a role the group grants already changes nothing."
    } else {
        "Needs `groups:read`, `groups:manage` and every permission the group grants, before \
            and after. Removing a role the group doesn't grant (or that doesn't exist) \
            changes nothing."
    };
    json!({
        "operationId": id,
        "tags": ["groups"],
        "summary": summary,
        "description": description,
        "parameters": [param("org"), param("group"), param("role"), param("if_match")],
        "responses": responses(200, result, &problems),
    })
}

fn paths_devices() -> Value {
    let devices = || object(&["devices"], json!({"devices": list(schema("Device"))}));
    let device = strict(
        &["name", "platform", "os"],
        json!({
            "name": described("Label", "A name the user recognises, e.g. \"Ada's laptop\"."),
            "platform": described("Label", "The platform, e.g. \"desktop\", \"ios\", \"web\"."),
            "os": described("Label", "The operating system, e.g. \"macOS 15\"."),
        }),
    );
    let registered = json!({"allOf": [
        command_result(),
        object(&["device_id"], json!({"device_id": described("Id", "The new device's id.")})),
    ]});
    json!({
        "/v1/orgs/{org}/users/{user_id}/devices": {"get": {
            "operationId": "listUserDevices",
            "tags": ["devices"],
            "summary": "A user's devices, revoked ones included",
            "description": "Needs `devices:read`, for one's own devices too (`GET \
                /v1/orgs/{org}/me/devices` needs nothing). A user with no devices gives an \
                empty list.",
            "parameters": [param("org"), param("user_id")],
            "responses": read_responses("The devices.", devices(), "devices:read",
                "No such user, or the org is not the caller's (`not_found`)."),
        }},
        "/v1/orgs/{org}/devices": {"get": {
            "operationId": "listDevices",
            "tags": ["devices"],
            "summary": "Every device in the org",
            "description": "Needs `devices:read`.",
            "parameters": [param("org")],
            "responses": read_responses("The devices.", devices(), "devices:read", NOT_IN_ORG),
        }},
        "/v1/orgs/{org}/devices/{device_id}/revoke": {"post": {
            "operationId": "revokeDevice",
            "tags": ["devices"],
            "summary": "Revoke a device",
            "description": "Anyone may revoke their own; another user's needs \
                `devices:revoke`.",
            "parameters": [param("org"), param("device_id"), param("if_match")],
            "responses": write_responses(200, command_result(), Input::Path, &[
                (403, "The device is another user's and the caller lacks `devices:revoke` \
                    (`forbidden`)."),
                (404, "No such device."),
                (409, "The device is revoked already (`device_revoked`)."),
            ]),
        }},
        "/v1/orgs/{org}/me/devices": {
            "get": {
                "operationId": "listMyDevices",
                "tags": ["devices", "me"],
                "summary": "The caller's devices, revoked ones included",
                "description": "Needs no permission: any member, in any status, may read their \
                    own.",
                "parameters": [param("org")],
                "responses": responses(200, ok("The devices.", devices(), true), &[
                    (401, UNAUTHORIZED),
                    (404, NOT_IN_ORG),
                ]),
            },
            "post": {
                "operationId": "registerDevice",
                "tags": ["devices", "me"],
                "summary": "Record a device the caller signed in from",
                "description": "Always the caller's own device, and the caller must be active. \
                    The new device's id is `device_id` (also the `target_id` of the `device` \
                    event).",
                "parameters": [param("org"), param("if_match")],
                "requestBody": body(device),
                "responses": write_responses(201, registered, Input::Body, &[
                    (422, "The body holds `user_id` (it comes from the credential) or \
                        `command` (`invalid_request`)."),
                    (422, "The caller has its most devices, revoked ones included \
                        (`too_many`)."),
                ]),
            },
        },
        "/v1/orgs/{org}/me/devices/{device_id}/seen": {"post": {
            "operationId": "recordDeviceSeen",
            "tags": ["devices", "me"],
            "summary": "Note that one of the caller's devices was seen now",
            "parameters": [param("org"), param("device_id"), param("if_match")],
            "responses": write_responses(200, command_result(), Input::Path, &[
                (403, "The device is another user's (`not_yours`)."),
                (404, "No such device."),
                (409, "The device was revoked (`device_revoked`)."),
            ]),
        }},
    })
}

fn paths_seats() -> Value {
    let purchased = json!({"type": "integer", "minimum": 0, "maximum": limits::SEATS_PURCHASED});
    let billing = object(
        &["seats_purchased"],
        json!({"seats_purchased": purchased.clone()}),
    );
    let update = strict(&["seats_purchased"], json!({"seats_purchased": purchased}));
    let invalid = format!(
        "The body holds a field other than `seats_purchased`, or `seats_purchased` is \
        missing, not a whole number, or outside 0 to {} (`invalid_request`); `errors` names \
        the field.",
        limits::SEATS_PURCHASED
    );
    json!({
        "/v1/orgs/{org}/seats": {"get": {
            "operationId": "getSeats",
            "tags": ["seats"],
            "summary": "Seats purchased, held and free",
            "description": "Needs `seats:read`.",
            "parameters": [param("org")],
            "responses": read_responses("Seat usage.", schema("SeatUsage"), "seats:read",
                NOT_IN_ORG),
        }},
        "/v1/orgs/{org}/billing": {
            "get": {
                "operationId": "getBilling",
                "tags": ["seats"],
                "summary": "The purchased seat count",
                "description": "Needs `billing:read`.",
                "parameters": [param("org")],
                "responses": read_responses("The purchased count.", billing, "billing:read",
                    NOT_IN_ORG),
            },
            "put": {
                "operationId": "setSeatsPurchased",
                "tags": ["seats"],
                "summary": "Set the purchased seat count",
                "description": "Needs `billing:manage`. The body is checked before the \
                    caller's permission.",
                "parameters": [param("org"), param("if_match")],
                "requestBody": body(update),
                "responses": write_responses(200, command_result(), Input::Checked, &[
                    (403, "The caller lacks `billing:manage` (`forbidden`)."),
                    (409, "Fewer than the seats held (`seats_below_held`)."),
                    (422, &invalid),
                ]),
            },
        },
    })
}

/// Check answers: full explanations from D1, or bare decisions from the index in KV.
fn check_answers() -> (Value, Value) {
    let answered = |source: &str| {
        object(
            &["version", "source"],
            json!({
                "version": described("Version", "The org's version the answer is from."),
                "source": {"const": source},
            }),
        )
    };
    let one = json!({"oneOf": [
        {"allOf": [schema("CheckResult"), answered("d1")]},
        {"allOf": [schema("CheckDecision"), answered("kv")]},
    ]});
    let many = |result: &str, source: &str| {
        extended(
            answered(source),
            json!({"results": list(schema(result))}),
            &["results"],
        )
    };
    let batch = json!({"oneOf": [many("CheckResult", "d1"), many("CheckDecision", "kv")]});
    (one, batch)
}

fn paths_checks() -> Value {
    let check = || {
        json!({
            "user_id": {"type": "string", "description": "Any text: an unknown user is denied."},
            "permission": {"type": "string", "description": "Any text: an unknown \
                permission is denied."},
        })
    };
    let options = json!({
        "min_version": or_null(json!({
            "type": "integer",
            "description": "Answer from at least this version of the org, e.g. the version a \
                write returned.",
        })),
        "reasons": {
            "type": "boolean",
            "default": true,
            "description": "Whether to explain each decision. Without reasons the answer may \
                come from KV.",
        },
    });
    let one = extended(
        strict(&["user_id", "permission"], check()),
        options.clone(),
        &[],
    );
    let many = extended(
        strict(
            &["checks"],
            json!({"checks": list_max(strict(&["user_id", "permission"], check()), 1000)}),
        ),
        options,
        &[],
    );
    let (answer, answers) = check_answers();
    let sources = "With `reasons` true (the default) the answer comes from D1, which is always \
        current, with each decision explained (`source` is `d1`). With `reasons` false it comes \
        from the org's compiled index in KV when KV has one (at `min_version` or later, if sent), \
        and holds only the decisions (`source` is `kv`); KV can lag a change by about a \
        minute, so send the version a write returned as `min_version` to see that write. When \
        KV has nothing recent enough, the answer comes from D1 as with `reasons` true.";
    let forbidden = "Checking another user needs `users:read` and an active caller \
        (`forbidden`); checking oneself needs nothing.";
    let stale = "`min_version` is newer than any version of the org (`invalid_request`).";
    let invalid = "The body is not an object, lacks a field, holds another, or has a value of \
        the wrong type (`invalid_request`).";
    json!({
        "/v1/orgs/{org}/checks": {"post": {
            "operationId": "check",
            "tags": ["checks"],
            "summary": "Is a user allowed a permission, and why",
            "description": format!("A deny is an answer, not an error. {sources}"),
            "parameters": [param("org")],
            "requestBody": body(one),
            "responses": responses(200, ok("The decision.", answer, true), &[
                (400, BAD_JSON),
                (401, UNAUTHORIZED),
                (403, forbidden),
                (404, NOT_IN_ORG),
                (413, TOO_LARGE),
                (415, NOT_JSON),
                (422, invalid),
                (422, stale),
            ]),
        }},
        "/v1/orgs/{org}/checks/batch": {"post": {
            "operationId": "checkBatch",
            "tags": ["checks"],
            "summary": "Many checks at one version of the org",
            "description": format!("At most 1000 checks; the results are in the order asked. \
                {sources}"),
            "parameters": [param("org")],
            "requestBody": body(many),
            "responses": responses(200, ok("The decisions.", answers, true), &[
                (400, BAD_JSON),
                (401, UNAUTHORIZED),
                (403, forbidden),
                (404, NOT_IN_ORG),
                (413, TOO_LARGE),
                (415, NOT_JSON),
                (422, invalid),
                (422, "More than 1000 checks (`invalid_request`)."),
                (422, stale),
            ]),
        }},
    })
}

/// The org's name and settings.
fn paths_settings() -> Value {
    let update = strict(
        &[],
        json!({
            "name": or_null(schema("Name")),
            "settings": or_null(described("OrgSettings", "Replaces the org's settings: a field \
                left out takes its default.")),
        }),
    );
    json!({
        "/v1/orgs/{org}/settings": {"patch": {
            "operationId": "updateOrg",
            "tags": ["orgs"],
            "summary": "Change the org's name or settings",
            "description": "Needs `org:manage`.",
            "parameters": [param("org"), param("if_match")],
            "requestBody": body(update),
            "responses": write_responses(200, command_result(), Input::Body, &[
                (403, "The caller lacks `org:manage` (`forbidden`)."),
                (422, "The body holds `command` (`invalid_request`)."),
            ]),
        }},
    })
}

/// The audit log, and the whole org as a document.
fn paths_org_data() -> Value {
    let everything = "The caller does not hold every permission in the catalog (an owner's \
        reach) or is not active (`forbidden`).";
    let imported = object(&["version"], json!({"version": schema("Version")}));
    json!({
        "/v1/orgs/{org}/audit": {"get": {
            "operationId": "listAudit",
            "tags": ["orgs"],
            "summary": "The audit log, newest first",
            "description": "Needs `audit:read`. One entry per record a command changed, and \
                one per API key created or revoked (at the org's version then: a key is not \
                part of the org document).",
            "parameters": [
                param("org"),
                query("limit", "Entries per page.", json!({
                    "type": "integer", "minimum": 1, "maximum": 500, "default": 100,
                })),
                query("cursor", "The previous page's `next_cursor`.", json!({"type": "string"})),
            ],
            "responses": responses(200, ok("A page of the log.", schema("AuditPage"), false), &[
                (400, "An unknown query parameter, a `limit` outside 1 to 500, or a `cursor` \
                    this API did not issue (`invalid_request`)."),
                (401, UNAUTHORIZED),
                (403, &forbidden("audit:read")),
                (404, NOT_IN_ORG),
            ]),
        }},
        "/v1/orgs/{org}/directory": {"get": {
            "operationId": "getDirectory",
            "tags": ["orgs"],
            "summary": "The org as a document, without secrets",
            "description": "Needs `users:read`. The document `GET /v1/orgs/{org}/export` \
                gives, with each invitation's `token_hash` replaced by 64 zeros. The \
                `<roster-users>` element draws its table from it. With `Accept: \
                application/vnd.roster.org` the same document comes in its compact binary \
                form (a third of the bytes; the layout is in the engine's `compact` module).",
            "parameters": [param("org")],
            "responses": responses(200, directory_ok(), &[
                (401, UNAUTHORIZED),
                (403, &forbidden("users:read")),
                (404, NOT_IN_ORG),
            ]),
        }},
        "/v1/orgs/{org}/export": {"get": {
            "operationId": "exportOrg",
            "tags": ["orgs"],
            "summary": "The whole org as a document",
            "description": "Needs every permission in the catalog. The document is the one \
                `PUT /v1/orgs/{org}/import` takes back, with every list present; invitations \
                keep their token hashes, so pending ones still work after an import.",
            "parameters": [param("org")],
            "responses": responses(200, ok("The org.", schema("OrgDocument"), true), &[
                (401, UNAUTHORIZED),
                (403, everything),
                (404, NOT_IN_ORG),
            ]),
        }},
        "/v1/orgs/{org}/import": {"put": {
            "operationId": "importOrg",
            "tags": ["orgs"],
            "summary": "Replace the whole org with a document",
            "description": "Needs every permission in the catalog, checked before the body \
                is read, and the importing user must be an active owner in the document.",
            "parameters": [param("org"), param("if_match")],
            "requestBody": body(schema("OrgDocument")),
            "responses": responses(200, ok("Imported.", imported, true), &[
                (400, "The body is not UTF-8, or `If-Match` is malformed \
                    (`invalid_request`)."),
                (401, UNAUTHORIZED),
                (403, everything),
                (404, NOT_IN_ORG),
                (412, STALE),
                (413, DOCUMENT_TOO_LARGE),
                (415, NOT_JSON),
                (422, BAD_DOCUMENT),
                (422, "`org.id` is not the org of the URL, or the importing user is not an \
                    active owner in the document (`invalid_request`)."),
            ]),
        }},
    })
}

fn paths_api_keys() -> Value {
    let keys = object(&["api_keys"], json!({"api_keys": list(schema("ApiKey"))}));
    let request = strict(&["name"], json!({"name": schema("Name")}));
    let revoked = object(
        &["id", "revoked_at"],
        json!({
            "id": {"type": "string"},
            "revoked_at": schema("Timestamp"),
        }),
    );
    let forbidden = forbidden("api_keys:manage");
    json!({
        "/v1/orgs/{org}/api-keys": {
            "get": {
                "operationId": "listApiKeys",
                "tags": ["api-keys"],
                "summary": "The org's API keys, revoked ones included",
                "description": "Needs `api_keys:manage`. Never a key itself.",
                "parameters": [param("org")],
                "responses": responses(200, ok("The keys.", keys, false), &[
                    (401, UNAUTHORIZED),
                    (403, &forbidden),
                    (404, NOT_IN_ORG),
                ]),
            },
            "post": {
                "operationId": "createApiKey",
                "tags": ["api-keys"],
                "summary": "Create an API key acting as the caller",
                "description": "Needs `api_keys:manage` and a person's credential (a JWT): an \
                    API key can't create keys. The body is checked before the caller's \
                    permission. The key is in the response, once: only its hash is kept.",
                "security": [{"bearer": []}],
                "parameters": [param("org")],
                "requestBody": body(request),
                "responses": responses(201, ok("Created.", schema("NewApiKey"), false), &[
                    (400, BAD_JSON),
                    (401, UNAUTHORIZED),
                    (403, &forbidden),
                    (403, "The caller used an API key (`forbidden`)."),
                    (404, NOT_IN_ORG),
                    (413, TOO_LARGE),
                    (415, NOT_JSON),
                    (422, "The body is not an object, `name` is missing or breaks the rules of \
                        a name, or another field is present (`invalid_request`)."),
                ]),
            },
        },
        "/v1/orgs/{org}/api-keys/{api_key_id}": {"delete": {
            "operationId": "revokeApiKey",
            "tags": ["api-keys"],
            "summary": "Revoke an API key",
            "description": "Needs `api_keys:manage`.",
            "parameters": [param("org"), param("api_key_id")],
            "responses": responses(200, ok("Revoked.", revoked, false), &[
                (401, UNAUTHORIZED),
                (403, &forbidden),
                (404, "No key with this id in the org, or it is revoked already \
                    (`not_found`)."),
                (404, NOT_IN_ORG),
            ]),
        }},
    })
}

// --- Schemas ---

fn schemas() -> Value {
    let mut map = Map::new();
    for part in [
        schemas_text(),
        schemas_people(),
        schemas_access(),
        schemas_changes(),
        schemas_document(),
    ] {
        merge(&mut map, part);
    }
    Value::Object(map)
}

/// The validated strings and scalars of the engine (`roster_engine::text`).
fn schemas_text() -> Value {
    let part = limits::PERMISSION_PART_BYTES;
    json!({
        "Id": {
            "type": "string",
            "minLength": 1,
            "maxLength": limits::ID_BYTES,
            "pattern": "^[A-Za-z0-9_-]+$",
            "description": "The id of a user, invitation or device, such as `usr_7kq2…`.",
        },
        "Key": {
            "type": "string",
            "minLength": 1,
            "maxLength": limits::KEY_BYTES,
            "pattern": "^[a-z][a-z0-9_-]*$",
            "description": "The key of an org, role or group.",
        },
        "PermissionKey": {
            "type": "string",
            "maxLength": 2 * part + 1,
            "pattern": format!("^[a-z][a-z0-9_-]{{0,{0}}}:[a-z][a-z0-9_-]{{0,{0}}}$", part - 1),
            "description": "`resource:action`, such as `users:read`.",
        },
        "Email": {
            "type": "string",
            "format": "email",
            "maxLength": limits::EMAIL_BYTES,
            "description": format!("ASCII only, at most {} bytes before the `@`; stored \
                trimmed and in lower case, unique in the org.", limits::EMAIL_LOCAL_BYTES),
        },
        "Name": {
            "type": "string",
            "minLength": 1,
            "maxLength": limits::NAME_CHARS,
            "pattern": "^[^<>]*$",
            "description": "A display name, stored trimmed: no `<`, `>`, control or \
                text-direction characters.",
        },
        "Description": {
            "type": "string",
            "maxLength": limits::DESCRIPTION_CHARS,
            "description": "Free text; newlines allowed, other control characters not.",
        },
        "Label": {
            "type": "string",
            "minLength": 1,
            "maxLength": limits::LABEL_CHARS,
            "pattern": "^[^<>]*$",
            "description": "A device's name, platform or operating system, stored trimmed.",
        },
        "Locale": {
            "type": "string",
            "maxLength": limits::LOCALE_BYTES,
            "pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
            "examples": ["en", "fr-CA"],
        },
        "TimeZone": {
            "type": "string",
            "maxLength": limits::TIME_ZONE_BYTES,
            "pattern": "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z][A-Za-z0-9_+-]*)*$",
            "examples": ["UTC", "Europe/Paris"],
        },
        "Timestamp": {
            "type": "string",
            "format": "date-time",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
            "description": "UTC, to the second.",
        },
        "Status": {
            "type": "string",
            "enum": ["invited", "active", "suspended", "deactivated"],
            "description": "Where a user stands. Only an active user holds a seat or is \
                allowed anything.",
        },
        "Version": {
            "type": "integer",
            "minimum": 1,
            "description": "The org's version: 1 when created, one more with each change.",
        },
    })
}

/// The engine's user record, as stored and exported.
fn user_record() -> Value {
    object(
        &["id", "email", "status", "created_at"],
        json!({
            "id": schema("Id"),
            "email": schema("Email"),
            "name": described("Name", "Absent for an invited user who has none yet."),
            "status": schema("Status"),
            "roles": list_max(schema("Key"), limits::ROLES_PER_HOLDER),
            "groups": list_max(schema("Key"), limits::GROUPS_PER_USER),
            "seat": {"type": "boolean", "default": false, "description": "Only when active."},
            "settings": schema("UserSettings"),
            "created_at": schema("Timestamp"),
            "joined_at": schema("Timestamp"),
            "last_active_at": schema("Timestamp"),
        }),
    )
}

/// An invitation record in one of `states`; never with its token hash.
fn invitation_record(states: &[&str]) -> Value {
    object(
        &[
            "id",
            "user_id",
            "email",
            "created_at",
            "expires_at",
            "sends",
            "state",
        ],
        json!({
            "id": schema("Id"),
            "user_id": described("Id", "The invited user; after a revoke, possibly no one."),
            "email": schema("Email"),
            "roles": list_max(schema("Key"), limits::ROLES_PER_HOLDER),
            "groups": list_max(schema("Key"), limits::GROUPS_PER_USER),
            "invited_by": described("Id", "Absent when the system invited."),
            "created_at": schema("Timestamp"),
            "expires_at": schema("Timestamp"),
            "sends": {"type": "integer", "minimum": 1},
            "state": {"type": "string", "enum": states},
        }),
    )
}

/// The engine's group record.
fn group_record() -> Value {
    object(
        &["key", "name"],
        json!({
            "key": schema("Key"),
            "name": schema("Name"),
            "description": schema("Description"),
            "roles": list_max(schema("Key"), limits::ROLES_PER_HOLDER),
            "parents": list_max(schema("Key"), limits::PARENTS_PER_GROUP),
        }),
    )
}

/// Users, invitations and devices as the API shows them.
fn schemas_people() -> Value {
    let user = extended(
        user_record(),
        json!({
            "roles_held": list(described("Grant", "A role and the groups it comes through.")),
            "devices": {"type": "integer", "minimum": 0, "description": "Devices not revoked."},
            "invitation": described("Invitation", "The pending invitation of an invited user."),
        }),
        &["seat", "roles_held", "devices"],
    );
    json!({
        "User": user,
        "UserSettings": strict(&[], json!({
            "locale": schema("Locale"),
            "time_zone": schema("TimeZone"),
        })),
        "UserPage": object(&["users", "total", "next_cursor"], json!({
            "users": list_max(schema("User"), limits::PAGE_SIZE),
            "total": {"type": "integer", "minimum": 0, "description": "Users matching in all."},
            "next_cursor": {"type": ["string", "null"], "description": "Null on the last page."},
        })),
        "Invitation": invitation_record(&["pending", "accepted", "revoked", "expired"]),
        "InviteSpec": strict(&["email"], json!({
            "email": schema("Email"),
            "roles": list_max(schema("Key"), limits::ROLES_PER_HOLDER),
            "groups": list_max(schema("Key"), limits::GROUPS_PER_USER),
        })),
        "Device": strict(
            &["id", "user_id", "name", "platform", "os", "first_seen_at", "last_seen_at"],
            json!({
                "id": schema("Id"),
                "user_id": schema("Id"),
                "name": schema("Label"),
                "platform": schema("Label"),
                "os": schema("Label"),
                "first_seen_at": schema("Timestamp"),
                "last_seen_at": schema("Timestamp"),
                "revoked_at": schema("Timestamp"),
            }),
        ),
        "SeatUsage": object(&["purchased", "held", "free"], json!({
            "purchased": {"type": "integer", "minimum": 0, "maximum": limits::SEATS_PURCHASED},
            "held": {"type": "integer", "minimum": 0},
            "free": {"type": "integer", "minimum": 0},
        })),
        "Me": object(&["user", "org", "permissions", "credential"], json!({
            "user": schema("User"),
            "org": object(&["id", "name", "seats"], json!({
                "id": schema("Key"),
                "name": schema("Name"),
                "seats": schema("SeatUsage"),
            })),
            "permissions": list(described("PermissionKey", "What a check allows the caller \
                now: granted, active, and with a seat where one is needed.")),
            "credential": {"oneOf": [
                {"const": "jwt"},
                strict(&["api_key"], json!({"api_key": {
                    "type": "string",
                    "description": "The API key's id.",
                }})),
            ]},
        })),
    })
}

/// Roles, permissions, groups and check answers.
fn schemas_access() -> Value {
    let group = extended(
        group_record(),
        json!({
            "members": list(described("Id", "The direct members.")),
            "permissions": list(described("PermissionKey", "What its members get from it, its \
                ancestors' roles included.")),
        }),
        &["members", "permissions"],
    );
    json!({
        "Permission": object(&["key", "description", "needs_seat", "builtin"], json!({
            "key": schema("PermissionKey"),
            "description": {"type": ["string", "null"]},
            "needs_seat": {"type": "boolean"},
            "builtin": {"type": "boolean", "description": "Roster's own, not the product's."},
        })),
        "Role": object(&["key", "name", "builtin", "permissions"], json!({
            "key": schema("Key"),
            "name": schema("Name"),
            "description": schema("Description"),
            "builtin": {"type": "boolean"},
            "permissions": list(schema("PermissionKey")),
        })),
        "Group": group,
        "Grant": object(&["role"], json!({
            "role": schema("Key"),
            "via": {
                "type": "array",
                "items": schema("Key"),
                "minItems": 1,
                "description": "Absent when held directly; otherwise the user's own group \
                    first, then each parent up to the one granting the role.",
            },
        })),
        "Explanation": object(&["decision", "grants", "deny_reasons"], json!({
            "decision": {"type": "string", "enum": ["allow", "deny"]},
            "grants": list(described("Grant", "Every grant of the permission the user holds, \
                also when another reason denies.")),
            "deny_reasons": list(described("DenyReason", "Empty when allowed.")),
        })),
        "DenyReason": {"oneOf": [
            strict(&["reason"], json!({"reason": {
                "type": "string",
                "enum": ["unknown_user", "unknown_permission", "needs_seat", "not_granted"],
            }})),
            strict(&["reason", "status"], json!({
                "reason": {"const": "not_active"},
                "status": {"type": "string", "enum": ["invited", "suspended", "deactivated"]},
            })),
        ]},
        "CheckResult": {"allOf": [
            schema("Explanation"),
            object(&["user_id", "permission"], json!({
                "user_id": {"type": "string"},
                "permission": {"type": "string"},
            })),
        ]},
        "CheckDecision": object(&["user_id", "permission", "decision"], json!({
            "user_id": {"type": "string"},
            "permission": {"type": "string"},
            "decision": {"type": "string", "enum": ["allow", "deny"]},
        })),
    })
}

/// What commands change and report, the audit log, API keys and problems.
fn schemas_changes() -> Value {
    let kinds = ["user", "invitation", "role", "group", "device", "org"];
    // The log also holds API keys' creation and revocation, which no command reports.
    let logged = [
        "user",
        "invitation",
        "role",
        "group",
        "device",
        "org",
        "api_key",
    ];
    let change = |kinds: &[&str], logged: bool| {
        let mut fields = json!({
            "command": {"type": "string", "description": "The command, e.g. `invite`."},
            "actor": schema("Actor"),
            "at": schema("Timestamp"),
            "target_kind": {"type": "string", "enum": kinds},
            "target_id": {"type": "string"},
            "before": {"type": ["object", "null"], "description": "Null when created."},
            "after": {"type": ["object", "null"], "description": "Null when deleted."},
        });
        let mut required = vec!["command", "actor", "at", "target_kind", "target_id"];
        required.extend(["before", "after"]);
        if logged {
            fields["version"] = described("Version", "The org's version the entry belongs to.");
            fields["seq"] = json!({"type": "integer", "minimum": 0,
                "description": "Its place among the version's entries."});
            required.extend(["version", "seq"]);
        }
        object(&required, fields)
    };
    json!({
        "Actor": {"oneOf": [
            {"const": "system"},
            strict(&["user"], json!({"user": schema("Id")})),
        ]},
        "Event": change(&kinds, false),
        "AuditEntry": change(&logged, true),
        "Note": strict(&["note", "user_id"], json!({
            "note": {"const": "no_seat_free"},
            "user_id": schema("Id"),
        })),
        "CommandResult": object(&["version", "events", "notes"], json!({
            "version": schema("Version"),
            "events": list(schema("Event")),
            "notes": list(schema("Note")),
            "invitations": list(described("IssuedInvitation", "Present when the command \
                issued invitation tokens (invite, resend): one per token.")),
        })),
        "InviteResult": {"allOf": [
            schema("CommandResult"),
            object(&["invitations"], json!({
                "invitations": {"type": "array", "minItems": 1},
            })),
        ]},
        "IssuedInvitation": object(
            &["id", "email", "expires_at", "token", "accept_url"],
            json!({
                "id": schema("Id"),
                "email": schema("Email"),
                "expires_at": schema("Timestamp"),
                "token": {"type": "string", "description": "Shown once: only its hash is kept."},
                "accept_url": {
                    "type": "string",
                    "format": "uri",
                    "description": "The deployment's accept page with `#token=` and the token.",
                },
            }),
        ),
        "AuditPage": object(&["entries", "next_cursor"], json!({
            "entries": list_max(schema("AuditEntry"), 500),
            "next_cursor": {"type": ["string", "null"], "description": "Null on the last page."},
        })),
        "ApiKey": object(&["id", "name", "created_by", "created_at", "revoked_at"], json!({
            "id": {"type": "string"},
            "name": schema("Name"),
            "created_by": described("Id", "The member the key acts as."),
            "created_at": schema("Timestamp"),
            "revoked_at": or_null(schema("Timestamp")),
        })),
        "NewApiKey": object(&["id", "name", "key", "created_by"], json!({
            "id": {"type": "string"},
            "name": schema("Name"),
            "key": {"type": "string", "pattern": "^rk_[A-Za-z0-9_-]+$", "description": "Shown \
                once."},
            "created_by": described("Id", "The member the key acts as: the caller."),
        })),
        "Problem": problem_schema(),
    })
}

fn problem_schema() -> Value {
    let error = object(
        &["field", "message"],
        json!({
            "field": {"type": "string", "description": "A JSON path, a query parameter or a \
                header, e.g. `invitations[2].email`."},
            "message": {"type": "string"},
        }),
    );
    object(
        &["type", "title", "status", "code", "detail"],
        json!({
            "type": {"type": "string", "format": "uri", "examples": [
                "https://roster.dev/problems/not_found",
            ]},
            "title": {"type": "string", "description": "The status in words."},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "code": {"type": "string", "description": "A stable code: the last part of `type`.",
                "examples": ["invalid_request", "forbidden", "not_found", "version_mismatch",
                    "last_owner", "seats_exhausted", "invalid_document"]},
            "detail": {"type": "string", "description": "What happened, for a person."},
            "errors": list(error),
        }),
    )
}

/// The org document (`roster_engine::OrgDocument`) that create and import read and export
/// writes.
fn schemas_document() -> Value {
    let roles: Vec<&str> = BuiltinRole::ALL.iter().map(|r| r.key()).collect();
    let days = limits::INVITATION_DAYS;
    let stored = ["pending", "accepted", "revoked"];
    let hash = json!({"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "The \
        SHA-256 of the current token, in lowercase hex."});
    json!({
        "OrgDocument": org_document(),
        "OrgHeader": strict(&["id", "name", "seats_purchased"], json!({
            "id": schema("Key"),
            "name": schema("Name"),
            "seats_purchased": {
                "type": "integer", "minimum": 0, "maximum": limits::SEATS_PURCHASED,
            },
            "settings": schema("OrgSettings"),
        })),
        "OrgSettings": strict(&[], json!({
            "seat_on_accept": {"type": "boolean", "default": true},
            "invitation_days": {
                "type": "integer",
                "minimum": days.start(),
                "maximum": days.end(),
                "default": limits::INVITATION_DAYS_DEFAULT,
            },
        })),
        "ProductPermission": strict(&["key"], json!({
            "key": described("PermissionKey", "Not one of Roster's own."),
            "description": schema("Description"),
            "needs_seat": {"type": "boolean", "default": true},
            "builtin_roles": {
                "type": "array",
                "items": {"type": "string", "enum": roles},
                "default": ["admin", "member"],
                "description": "The built-in roles besides `owner` that hold it.",
            },
        })),
        "CustomRole": strict(&["key", "name", "permissions"], json!({
            "key": schema("Key"),
            "name": schema("Name"),
            "description": schema("Description"),
            "permissions": list_max(schema("PermissionKey"), limits::PERMISSIONS_PER_ROLE),
        })),
        "GroupRecord": closed(group_record()),
        "UserRecord": closed(user_record()),
        "StoredInvitation": closed(extended(
            invitation_record(&stored),
            json!({"token_hash": hash}),
            &["token_hash"],
        )),
    })
}

fn org_document() -> Value {
    strict(
        &["version", "org", "users"],
        json!({
            "version": {"const": DOCUMENT_VERSION},
            "org": schema("OrgHeader"),
            "permissions": list_max(schema("ProductPermission"), limits::PRODUCT_PERMISSIONS),
            "roles": list_max(schema("CustomRole"), limits::CUSTOM_ROLES_PER_ORG),
            "groups": list_max(schema("GroupRecord"), limits::GROUPS_PER_ORG),
            "users": list_max(schema("UserRecord"), limits::USERS_PER_ORG),
            "invitations": list_max(schema("StoredInvitation"), limits::INVITATIONS_PER_ORG),
            "devices": list(described("Device", format!("At most {} per user, revoked ones \
                included.", limits::DEVICES_PER_USER).as_str())),
        }),
    )
}
