//! KV: what makes checks fast at the edge. After a change the org's compiled check index is
//! written under its version, then a pointer to the newest version. Changes in a burst are
//! published once: compiling and storing the index of a 10,000-user org costs far more than
//! the change itself, so an isolate publishes at most once per [`PUBLISH_DELAY_MS`].
//!
//! How stale a KV read can be: KV is eventually consistent, so another location may see the
//! previous pointer for up to about 60 seconds after a change, and an isolate reuses a
//! pointer it read for [`POINTER_TTL_MS`] more. A caller that needs its own write reflected
//! sends `min_version` (the version its write returned, also the ETag); when the pointer is
//! older, the check falls back to D1, which is always current. Writes made in this isolate
//! are seen at once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use roster_engine::{AccessIndex, Org};
use worker::{console_error, KvStore};

/// How long an isolate trusts a version pointer it read from KV before reading it again. Small
/// beside KV's own propagation delay, and it spares hot checks any I/O.
pub const POINTER_TTL_MS: u64 = 2_000;

/// How long after a change its index is published; later changes in the window ride along.
pub const PUBLISH_DELAY_MS: u64 = 500;

/// How long an index stays in KV after a newer version replaced it.
const INDEX_TTL_SECONDS: u64 = 24 * 60 * 60;

fn version_key(org_id: &str) -> String {
    format!("org/{org_id}/version")
}

fn index_key(org_id: &str, version: i64) -> String {
    format!("org/{org_id}/index/{version}")
}

thread_local! {
    /// Indexes this isolate has read from KV or built itself, by org, with their version.
    static INDEXES: RefCell<HashMap<String, (i64, Rc<AccessIndex>)>> = RefCell::new(HashMap::new());
    /// The newest version this isolate knows of, by org, and when it learned it (ms).
    static POINTERS: RefCell<HashMap<String, (i64, u64)>> = RefCell::new(HashMap::new());
    /// Orgs with a publication already scheduled in this isolate.
    static SCHEDULED: RefCell<std::collections::HashSet<String>> = RefCell::default();
}

/// Schedules publishing the org's index, unless one is already on its way. The returned work
/// waits [`PUBLISH_DELAY_MS`], takes the org like a request would, and publishes what it
/// finds then, so it always publishes the newest version.
pub fn schedule(
    env: &worker::Env,
    org_id: &str,
) -> Option<impl std::future::Future<Output = ()> + 'static> {
    let fresh = SCHEDULED.with(|s| s.borrow_mut().insert(org_id.to_owned()));
    if !fresh {
        return None;
    }
    let (db, kv) = (env.d1("DB").ok()?, env.kv("KV").ok()?);
    let org_id = org_id.to_owned();
    Some(async move {
        worker::Delay::from(std::time::Duration::from_millis(PUBLISH_DELAY_MS)).await;
        SCHEDULED.with(|s| s.borrow_mut().remove(&org_id));
        let work = match crate::store::open(&db, &org_id).await {
            Ok(mut session) => match session.loaded() {
                Ok(loaded) => Some(publish(&kv, &loaded.org, loaded.version)),
                Err(_) => None,
            },
            Err(e) => {
                console_error!("KV: reading {org_id} to publish it failed: {}", e.detail);
                None
            }
        };
        if let Some(work) = work {
            work.await;
        }
    })
}

fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

fn remember_pointer(org_id: &str, version: i64) {
    POINTERS.with(|m| {
        m.borrow_mut()
            .insert(org_id.to_owned(), (version, now_ms()))
    });
}

/// Compiles the org's index now and returns the work of storing it, to run after the
/// response (`Context::wait_until`). The index goes first, then the pointer, so a reader
/// never finds a pointer without its index.
pub fn publish(
    kv: &KvStore,
    org: &Org,
    version: i64,
) -> impl std::future::Future<Output = ()> + 'static {
    let index = AccessIndex::build(org);
    let bytes = index.to_bytes();
    let org_id = org.id().as_str().to_owned();
    INDEXES.with(|m| {
        m.borrow_mut()
            .insert(org_id.clone(), (version, Rc::new(index)))
    });
    let kv = kv.clone();
    async move {
        let stored = match kv.put_bytes(&index_key(&org_id, version), &bytes) {
            Ok(put) => put.expiration_ttl(INDEX_TTL_SECONDS).execute().await,
            Err(e) => Err(e),
        };
        if let Err(e) = stored {
            console_error!("KV: storing the index of {org_id} v{version} failed: {e}");
            return;
        }
        let pointer = match kv.put(&version_key(&org_id), version.to_string()) {
            Ok(put) => put.execute().await,
            Err(e) => Err(e),
        };
        if let Err(e) = pointer {
            console_error!("KV: storing the version of {org_id} failed: {e}");
        }
    }
}

/// The newest index KV has for the org, at least `min_version` if given; `None` when KV has
/// nothing that recent (the caller then asks D1).
pub async fn index(
    kv: &KvStore,
    org_id: &str,
    min_version: Option<i64>,
) -> Option<(i64, Rc<AccessIndex>)> {
    let known = POINTERS.with(|m| m.borrow().get(org_id).copied());
    let version = match known {
        Some((version, at))
            if now_ms().saturating_sub(at) < POINTER_TTL_MS
                && min_version.is_none_or(|m| m <= version) =>
        {
            version
        }
        _ => {
            let version: i64 = kv
                .get(&version_key(org_id))
                .text()
                .await
                .ok()??
                .parse()
                .ok()?;
            remember_pointer(org_id, version);
            version
        }
    };
    if min_version.is_some_and(|m| m > version) {
        return None;
    }
    let cached = INDEXES.with(|m| {
        m.borrow()
            .get(org_id)
            .filter(|(v, _)| *v == version)
            .cloned()
    });
    if cached.is_some() {
        return cached;
    }
    let bytes = kv.get(&index_key(org_id, version)).bytes().await.ok()??;
    let index = Rc::new(AccessIndex::from_bytes(&bytes)?);
    INDEXES.with(|m| {
        m.borrow_mut()
            .insert(org_id.to_owned(), (version, index.clone()))
    });
    Some((version, index))
}
