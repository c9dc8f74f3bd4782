//! Roster's edge API: a Cloudflare Worker that authenticates each request, scopes it to one
//! org, and lets the engine decide. D1 is the source of truth; each isolate keeps the orgs it
//! has loaded, by version.
//!
//! `api` routes and handles requests, `auth` checks credentials, `store` reads and writes D1,
//! `edge` keeps compiled check indexes in KV, `views` shapes responses, `problem` shapes
//! errors, `openapi` describes it all.

mod api;
mod auth;
mod edge;
mod openapi;
mod outbox;
mod problem;
mod store;
mod views;

use worker::{event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    Ok(api::handle(req, env, ctx).await)
}

/// The cron trigger: retries invitation emails whose delivery failed.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    api::deliver_due(env).await;
}
