//! Errors as `application/problem+json` (RFC 9457): one status per kind, a detail a person
//! can act on, and per-field errors for validation. Internal details go to the log, never
//! to the client.

use roster_engine::{CommandError, DocumentError, QueryError};
use serde_json::{json, Value};
use worker::{console_error, Headers, Response};

/// A refusal or failure to send back.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: u16,
    /// A short, stable code, also the last part of the `type` URI.
    pub code: &'static str,
    pub detail: String,
    /// Field errors: the field (a JSON path or parameter name) and what is wrong with it.
    pub fields: Vec<(String, String)>,
    /// For 405: the methods the resource does allow (sent as `Allow`).
    pub allow: Option<&'static str>,
}

impl Problem {
    pub fn new(status: u16, code: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            code,
            detail: detail.into(),
            fields: Vec::new(),
            allow: None,
        }
    }

    /// A request field is invalid.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Problem {
        let (field, message) = (field.into(), message.into());
        Problem {
            status: 400,
            code: "invalid_request",
            detail: format!("{field}: {message}"),
            fields: vec![(field, message)],
            allow: None,
        }
    }

    /// A well-formed request whose content is invalid (a wrong type, an unknown field, a
    /// value out of bounds). Unparseable JSON is [`Problem::field`]'s 400.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            status: 422,
            code: "invalid_request",
            ..Problem::field(field, message)
        }
    }

    /// The resource exists, but not with this method.
    pub fn method_not_allowed(allow: &'static str) -> Problem {
        let detail = format!("use {allow} here");
        Problem {
            allow: Some(allow),
            ..Problem::new(405, "method_not_allowed", detail)
        }
    }

    pub fn unauthorized(detail: &str) -> Problem {
        Problem::new(401, "unauthorized", detail)
    }

    /// Not found, also used for anything outside the caller's org, so that nothing about
    /// another org leaks, not even that it exists.
    pub fn not_found() -> Problem {
        Problem::new(404, "not_found", "no such resource in this org")
    }

    /// A failure of ours. The cause is logged; the client only learns that it happened.
    pub fn internal(cause: impl std::fmt::Display) -> Problem {
        console_error!("internal error: {cause}");
        Problem::new(
            500,
            "internal",
            "the server failed; the change was not made",
        )
    }

    fn title(&self) -> &'static str {
        match self.status {
            400 => "Bad request",
            401 => "Not authenticated",
            403 => "Not allowed",
            404 => "Not found",
            405 => "Method not allowed",
            409 => "Conflict",
            410 => "Gone",
            412 => "Precondition failed",
            413 => "Body too large",
            415 => "Unsupported media type",
            422 => "Unprocessable",
            428 => "Precondition required",
            _ => "Server error",
        }
    }

    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "type": format!("https://roster.dev/problems/{}", self.code),
            "title": self.title(),
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        });
        if !self.fields.is_empty() {
            body["errors"] = self
                .fields
                .iter()
                .map(|(field, message)| json!({"field": field, "message": message}))
                .collect();
        }
        body
    }

    pub fn into_response(self) -> Response {
        let headers = Headers::new();
        let _ = headers.set("content-type", "application/problem+json");
        let _ = headers.set("cache-control", "no-store");
        if self.status == 401 {
            let _ = headers.set("www-authenticate", "Bearer");
        }
        if let Some(allow) = self.allow {
            let _ = headers.set("allow", allow);
        }
        let body = self.to_json().to_string();
        Response::ok(body)
            .map(|r| r.with_status(self.status).with_headers(headers))
            .unwrap_or_else(|_| Response::empty().unwrap_or_else(|_| unreachable_response()))
    }
}

/// The one response that can't fail to build (an empty body).
fn unreachable_response() -> Response {
    Response::builder().with_status(500).empty()
}

impl From<CommandError> for Problem {
    fn from(e: CommandError) -> Problem {
        let status = match &e {
            CommandError::UnknownActor { .. }
            | CommandError::ActorNotActive { .. }
            | CommandError::Forbidden { .. }
            | CommandError::NotYours { .. }
            | CommandError::Escalation { .. }
            | CommandError::SelfAction { .. } => 403,
            CommandError::NotFound { .. } => 404,
            CommandError::InvalidToken => 404,
            CommandError::InvalidValue { .. }
            | CommandError::InvalidField { .. }
            | CommandError::TooMany { .. } => 422,
            CommandError::Entropy(_) => return Problem::internal(e),
            _ => 409,
        };
        let mut problem = Problem::new(status, e.code(), e.to_string());
        if let Some(field) = e.field() {
            let message = match &e {
                CommandError::InvalidField { reason, .. } => reason.clone(),
                other => other.to_string(),
            };
            problem.fields.push((field.to_owned(), message));
        }
        problem
    }
}

impl From<DocumentError> for Problem {
    fn from(e: DocumentError) -> Problem {
        // Only JSON that can't be parsed keeps the parser's position in its message.
        let unparseable = e.path == "." && e.message.contains(" at line ");
        let status = if unparseable { 400 } else { 422 };
        let mut problem = Problem::new(status, "invalid_document", e.to_string());
        problem.fields.push((e.path, e.message));
        problem
    }
}

impl From<QueryError> for Problem {
    fn from(e: QueryError) -> Problem {
        Problem::field(e.field, e.reason)
    }
}

impl From<worker::Error> for Problem {
    fn from(e: worker::Error) -> Problem {
        Problem::internal(e)
    }
}
