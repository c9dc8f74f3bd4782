//! `<roster-users>`: the users table of an org, rendered by Rust into a shadow root, with the
//! engine inside to decide what the viewer may see and do.
//!
//! A small loader (`roster-users.js`) defines the custom element, fetches from the API and
//! hands each instance to [`RosterUsers`]. User data (names, emails, role and group keys) only
//! ever becomes text nodes, never markup.
//!
//! A change runs first on a copy of the org in the engine: a refusal is shown at once, and an
//! accepted change is drawn before the server answers (optimistically). If the server then
//! refuses, the org before the change comes back and the reason is shown; a `412` (someone
//! else changed the org) reloads it.

mod actions;
mod dialogs;
mod i18n;
mod view;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use roster_engine::text::{GroupKey, RoleKey, UserId};
use roster_engine::{
    Actor, Context, Org, SortKey, SortOrder, Status, SystemEntropy, Timestamp, UserQuery,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CustomEvent, CustomEventInit, Element, HtmlElement, ShadowRoot, ShadowRootInit};

use crate::actions::{Action, Target};
use crate::i18n::Locale;

// Reading a 10,000-user org makes some 200,000 small allocations: talc made them a little
// faster than dlmalloc (Rust's default in Wasm) and is 2 KB smaller.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Users per page of the table.
const PAGE_SIZE: usize = 50;

/// What one element shows: the org, who is looking, and the listing they asked for.
pub(crate) struct State {
    pub(crate) org: Option<Org>,
    /// The ETag of the org as loaded, sent as `If-Match` with each change.
    pub(crate) version: Option<String>,
    pub(crate) viewer: Option<String>,
    pub(crate) query: UserQuery,
    /// The cursors of the pages before this one, for Previous.
    pub(crate) earlier: Vec<Option<String>>,
    pub(crate) error: Option<String>,
    pub(crate) locale: Locale,
    /// `send(method, path, body, ifMatch)`, resolving to `{status, etag, body}`; none in demo.
    send: Option<Function>,
    /// Loads the org again from the server and hands it back through `loadOrg`.
    reload: Option<Function>,
    /// The dialog open now, if one.
    pub(crate) dialog: Option<dialogs::Open>,
    /// An org replaced by a newer one, freed once the new one is drawn (see [`free_later`]).
    replaced: Option<Org>,
}

impl State {
    /// Sorts by `key`, from the first page; sorting by the same key again reverses the order.
    pub(crate) fn sort_by(&mut self, key: SortKey) {
        let query = &mut self.query;
        query.order = match (query.sort == key, query.order) {
            (true, SortOrder::Asc) => SortOrder::Desc,
            _ => SortOrder::Asc,
        };
        query.sort = key;
        self.first_page();
    }

    /// Back to the first page, after the filters or the order changed.
    pub(crate) fn first_page(&mut self) {
        self.query.cursor = None;
        self.earlier.clear();
    }

    /// Sets one filter from a `<select>` value; an empty value clears it.
    pub(crate) fn set_filter(&mut self, name: &str, value: &str) -> Result<(), String> {
        let some = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
        let query = &mut self.query;
        match name {
            "status" => {
                query.status = match value {
                    "" => Vec::new(),
                    v => vec![status_named(v).ok_or_else(|| format!("unknown status `{v}`"))?],
                }
            }
            "role" => {
                query.role = some(value)
                    .map(|v| RoleKey::new(v).map_err(|e| e.to_string()))
                    .transpose()?
            }
            "group" => {
                query.group = some(value)
                    .map(|v| GroupKey::new(v).map_err(|e| e.to_string()))
                    .transpose()?
            }
            "seat" => {
                query.seat = match value {
                    "" => None,
                    "yes" => Some(true),
                    "no" => Some(false),
                    v => return Err(format!("seat filter `{v}`: expected yes, no or empty")),
                }
            }
            "search" => query.search = some(value),
            other => return Err(format!("unknown filter `{other}`")),
        }
        self.first_page();
        Ok(())
    }
}

/// The status written `word` (`suspended`), as in documents and the API.
pub(crate) fn status_named(word: &str) -> Option<Status> {
    Status::ALL.into_iter().find(|s| s.as_str() == word)
}

/// The sort key written `word`: `name`, `email`, `status`, `last_active` or `created`.
pub(crate) fn sort_key_named(word: &str) -> Option<SortKey> {
    SortKey::ALL.into_iter().find(|k| k.as_str() == word)
}

/// Why a change was not made: a sentence and, where known, the fields at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) message: String,
    pub(crate) fields: Vec<(String, String)>,
}

/// The parts of the shadow root that are drawn again on their own.
#[derive(Clone)]
pub(crate) struct Slots {
    pub(crate) header: Element,
    pub(crate) toolbar: Element,
    pub(crate) table: Element,
    pub(crate) pager: Element,
    pub(crate) toasts: Element,
}

/// One element's handles, cheap to clone into event handlers and tasks.
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) host: HtmlElement,
    pub(crate) root: ShadowRoot,
    pub(crate) slots: Slots,
    pub(crate) state: Rc<RefCell<State>>,
}

impl Shared {
    /// Dispatches `roster-<name>` on the host with `detail`; it bubbles out of the shadow
    /// root.
    pub(crate) fn dispatch(&self, name: &str, detail: &Object) {
        let init = CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(detail);
        if let Ok(event) = CustomEvent::new_with_event_init_dict(&format!("roster-{name}"), &init) {
            let _ = self.host.dispatch_event(&event);
        }
    }

    /// Runs an action: in the engine first, drawn at once, then on the server. Resolves once
    /// the server answered (or at once in demo mode).
    pub(crate) async fn perform(&self, action: Action) -> Result<(), Refusal> {
        let steps = action.steps();
        let who = self.who(&action);
        let (before, send) = {
            let mut state = self.state.borrow_mut();
            let viewer = state.viewer.clone().unwrap_or_default();
            let Some(org) = state.org.as_ref() else {
                return Err(refusal(state.locale.words.loading.to_owned()));
            };
            let mut after = org.clone();
            let actor = Actor::User(UserId::new(viewer).map_err(|e| refusal(e.to_string()))?);
            let now = Timestamp::from_unix_seconds((js_sys::Date::now() / 1000.0) as i64);
            for (command, _) in &steps {
                let mut entropy = SystemEntropy;
                let mut ctx = Context {
                    actor: actor.clone(),
                    now,
                    entropy: &mut entropy,
                };
                if let Err(e) = after.execute_unrecorded(&mut ctx, command) {
                    let message = state.locale.refusal(e.code(), &e.to_string());
                    let fields = e.field().map(|f| vec![(f.to_owned(), message.clone())]);
                    let refused = Refusal {
                        message,
                        fields: fields.unwrap_or_default(),
                    };
                    drop(state);
                    self.refused(&action, 422, &refused);
                    return Err(refused);
                }
            }
            // The org as it was stays aside, to come back if the server refuses.
            let before = state.org.replace(after);
            (before, state.send.clone())
        };
        self.redraw();
        let Some(send) = send else {
            // Demo mode: the engine's word is final.
            self.succeeded(&action, &who);
            return Ok(());
        };
        for (i, (_, request)) in steps.iter().enumerate() {
            let version = self.state.borrow().version.clone();
            match call_send(&send, request, version.as_deref()).await {
                Ok((status, etag, _)) if (200..300).contains(&status) => {
                    self.state.borrow_mut().version = etag;
                }
                answer => {
                    self.state.borrow_mut().org = before;
                    self.redraw();
                    let (status, refused) = match answer {
                        Ok((412, _, _)) => {
                            let words = self.state.borrow().locale.words;
                            (412, refusal(words.stale.to_owned()))
                        }
                        Ok((status, _, body)) => {
                            (status, problem_refusal(&body, &self.state.borrow().locale))
                        }
                        Err(_) => {
                            let words = self.state.borrow().locale.words;
                            (0, refusal(words.offline.to_owned()))
                        }
                    };
                    self.refused(&action, status, &refused);
                    // A stale org, or a change half made, is read again from the server.
                    if status == 412 || i > 0 {
                        self.reload().await;
                    }
                    return Err(refused);
                }
            }
        }
        self.succeeded(&action, &who);
        // The server's ids and times replace the ones the engine made up.
        self.reload().await;
        Ok(())
    }

    /// A name for the action's user: their name, else their email.
    fn who(&self, action: &Action) -> String {
        let state = self.state.borrow();
        if let Action::Invite(specs) = action {
            let emails: Vec<&str> = specs.iter().map(|s| s.email.as_str()).collect();
            return emails.join(", ");
        }
        let user = action
            .user()
            .and_then(|id| state.org.as_ref()?.user(id.as_str()));
        user.map(view::display_name).unwrap_or_default()
    }

    fn succeeded(&self, action: &Action, who: &str) {
        let message = self.state.borrow().locale.succeeded(action.name(), who);
        view::toast(self, &message, false);
        self.dispatch("change", &event_detail(action));
    }

    fn refused(&self, action: &Action, status: u16, refused: &Refusal) {
        let title = self.state.borrow().locale.words.refused;
        view::toast(self, &format!("{title}: {}", refused.message), true);
        let detail = event_detail(action);
        set(&detail, "status", &JsValue::from(status));
        set(&detail, "detail", &JsValue::from_str(&refused.message));
        self.dispatch("error", &detail);
    }

    async fn reload(&self) {
        let reload = self.state.borrow().reload.clone();
        if let Some(reload) = reload {
            if let Ok(promise) = reload.call0(&JsValue::NULL) {
                let _ = JsFuture::from(Promise::resolve(&promise)).await;
            }
        }
    }

    /// Draws everything again, keeping the focus where it was.
    pub(crate) fn redraw(&self) {
        let _ = view::render(self);
    }
}

fn refusal(message: String) -> Refusal {
    Refusal {
        message,
        fields: Vec::new(),
    }
}

/// `{action, target}`: what every event of an action says.
fn event_detail(action: &Action) -> Object {
    let detail = Object::new();
    set(&detail, "action", &JsValue::from_str(action.name()));
    let target = match action.target() {
        Target::One(id) => JsValue::from_str(id),
        Target::Many(ids) => ids
            .into_iter()
            .map(JsValue::from_str)
            .collect::<Array>()
            .into(),
    };
    set(&detail, "target", &target);
    detail
}

fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// A string property of a JS value, or empty.
fn text_of(value: &JsValue, key: &str) -> String {
    Reflect::get(value, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// The sentence and field errors of an API problem body (JSON text; the browser parses it),
/// the sentence in the viewer's language where the problem's code has one.
fn problem_refusal(body: &str, locale: &Locale) -> Refusal {
    let body = js_sys::JSON::parse(body).unwrap_or(JsValue::NULL);
    if !body.is_object() {
        return refusal(String::new());
    }
    let errors = Reflect::get(&body, &JsValue::from_str("errors")).unwrap_or(JsValue::NULL);
    let fields = match errors.dyn_ref::<Array>() {
        Some(errors) => errors
            .iter()
            .map(|e| (text_of(&e, "field"), text_of(&e, "message")))
            .collect(),
        None => Vec::new(),
    };
    let message = match text_of(&body, "detail") {
        detail if !detail.is_empty() => detail,
        _ => text_of(&body, "title"),
    };
    let message = locale.refusal(&text_of(&body, "code"), &message);
    Refusal { message, fields }
}

/// Calls the host's `send`; resolves to the status, the new ETag and the body's text.
async fn call_send(
    send: &Function,
    request: &actions::Request,
    version: Option<&str>,
) -> Result<(u16, Option<String>, String), JsValue> {
    let body = request
        .body
        .as_deref()
        .map_or(JsValue::NULL, JsValue::from_str);
    let version = version.map_or(JsValue::NULL, JsValue::from_str);
    let args = Array::of4(
        &JsValue::from_str(request.method),
        &JsValue::from_str(&request.path),
        &body,
        &version,
    );
    let promise = send.apply(&JsValue::NULL, &args)?;
    let answer = JsFuture::from(Promise::resolve(&promise)).await?;
    let status = Reflect::get(&answer, &"status".into())?
        .as_f64()
        .unwrap_or(0.0) as u16;
    let etag = Reflect::get(&answer, &"etag".into())?.as_string();
    let body = text_of(&answer, "body");
    Ok((status, etag, body))
}

/// One `<roster-users>` element.
#[wasm_bindgen]
pub struct RosterUsers {
    shared: Shared,
}

#[wasm_bindgen]
impl RosterUsers {
    /// Attaches to a host element (the custom element itself), opening its shadow root.
    #[wasm_bindgen(constructor)]
    pub fn new(host: HtmlElement) -> Result<RosterUsers, JsValue> {
        let root = match host.shadow_root() {
            Some(root) => root,
            None => host.attach_shadow(&ShadowRootInit::new(web_sys::ShadowRootMode::Open))?,
        };
        let state = State {
            org: None,
            version: None,
            viewer: None,
            query: UserQuery {
                limit: PAGE_SIZE,
                ..UserQuery::default()
            },
            earlier: Vec::new(),
            error: None,
            locale: Locale::new(&host.get_attribute("locale").unwrap_or_default()),
            send: None,
            reload: None,
            dialog: None,
            replaced: None,
        };
        let slots = view::mount(&root)?;
        let shared = Shared {
            host,
            root,
            slots,
            state: Rc::new(RefCell::new(state)),
        };
        view::listen(&shared)?;
        Ok(RosterUsers { shared })
    }

    /// Shows an org from its compact document (what `GET /directory` sends when asked for
    /// `application/vnd.roster.org`) at `version` (its ETag, sent back with changes), as seen
    /// by `viewer` when given. Throws with what is wrong if the document is refused.
    #[wasm_bindgen(js_name = loadOrg)]
    pub fn load_org(
        &self,
        document: &[u8],
        version: Option<String>,
        viewer: Option<String>,
    ) -> Result<(), JsError> {
        let org = Org::from_compact(document).map_err(|e| JsError::new(&e.to_string()))?;
        let replaced = {
            let mut state = self.shared.state.borrow_mut();
            let replaced = state.org.replace(org);
            state.version = version;
            state.error = None;
            if viewer.is_some() {
                state.viewer = viewer;
            }
            replaced
        };
        let drawn = self.render();
        free_later(&self.shared.state, replaced);
        drawn
    }

    /// Shows a demo org (a compact document, `demo-org.bin` beside the module) with no
    /// server at all, seen by its first owner; changes stay in the page. (The org is made
    /// when the element is built: the generator would be 8 KB of every page's `.wasm`.)
    #[wasm_bindgen(js_name = loadDemo)]
    pub fn load_demo(&self, document: &[u8]) -> Result<(), JsError> {
        let org = Org::from_compact(document).map_err(|e| JsError::new(&e.to_string()))?;
        let replaced = {
            let mut state = self.shared.state.borrow_mut();
            // The demo viewer is the first owner, who may do everything.
            state.viewer = org.active_owners().next().map(|u| u.id.to_string());
            let replaced = state.org.replace(org);
            state.version = None;
            state.send = None;
            state.reload = None;
            state.error = None;
            replaced
        };
        let drawn = self.render();
        free_later(&self.shared.state, replaced);
        drawn
    }

    /// Sets who is looking: what they may do decides which actions are shown.
    #[wasm_bindgen(js_name = setViewer)]
    pub fn set_viewer(&self, user_id: &str) -> Result<(), JsError> {
        self.shared.state.borrow_mut().viewer = Some(user_id.to_owned());
        self.render()
    }

    /// Sets the language and formats (`en`, `fr`, `fr-CA`, ...).
    #[wasm_bindgen(js_name = setLocale)]
    pub fn set_locale(&self, tag: &str) -> Result<(), JsError> {
        self.shared.state.borrow_mut().locale = Locale::new(tag);
        self.render()
    }

    /// Connects the element to the server: `send(method, path, body, ifMatch)` makes one API
    /// call and resolves to `{status, etag, body}` (body as text); `reload()` fetches the org
    /// again and calls [`RosterUsers::load_org`]. Without them (demo mode) changes stay
    /// in the page.
    #[wasm_bindgen(js_name = setTransport)]
    pub fn set_transport(&self, send: Option<Function>, reload: Option<Function>) {
        let mut state = self.shared.state.borrow_mut();
        state.send = send;
        state.reload = reload;
    }

    /// Filters by text on name and email.
    #[wasm_bindgen(js_name = setSearch)]
    pub fn set_search(&self, text: &str) -> Result<(), JsError> {
        self.set_filter("search", text)
    }

    /// Sets a filter: `status`, `role`, `group`, `seat` (`yes`/`no`) or `search`; an empty
    /// value clears it.
    #[wasm_bindgen(js_name = setFilter)]
    pub fn set_filter(&self, name: &str, value: &str) -> Result<(), JsError> {
        self.shared
            .state
            .borrow_mut()
            .set_filter(name, value)
            .map_err(|e| JsError::new(&e))?;
        view::render_table(&self.shared).map_err(render_error)
    }

    /// Sorts by a column (`name`, `email`, `status`, `last_active`); the same column again
    /// reverses the order.
    #[wasm_bindgen(js_name = sortBy)]
    pub fn sort_by(&self, column: &str) -> Result<(), JsError> {
        let key = sort_key_named(column)
            .ok_or_else(|| JsError::new(&format!("unknown column `{column}`")))?;
        self.shared.state.borrow_mut().sort_by(key);
        view::render_table(&self.shared).map_err(render_error)
    }

    /// Shows an error in place of the table (e.g. the API refused to load the org).
    #[wasm_bindgen(js_name = showError)]
    pub fn show_error(&self, message: &str) -> Result<(), JsError> {
        {
            let mut state = self.shared.state.borrow_mut();
            state.org = None;
            state.error = Some(message.to_owned());
        }
        self.render()
    }

    /// Draws the element from its state.
    pub fn render(&self) -> Result<(), JsError> {
        view::render(&self.shared).map_err(render_error)
    }
}

/// Frees an org replaced by a newer one after the newer one is drawn, from a timer: at 10,000
/// users freeing one is a few milliseconds that the viewer need not wait for. At most one
/// waits; a second replaced before the timer ran frees the first at once, so however fast
/// loads come, one replaced org at most is held besides the one shown.
fn free_later(state: &Rc<RefCell<State>>, replaced: Option<Org>) {
    let Some(replaced) = replaced else { return };
    let waiting = state.borrow_mut().replaced.replace(replaced);
    if waiting.is_some() {
        // The timer set for it is still to run, and will free this one instead.
        return;
    }
    let timer = Rc::clone(state);
    let free = Closure::once_into_js(move || drop(timer.borrow_mut().replaced.take()));
    let set = web_sys::window().map(|window| {
        window.set_timeout_with_callback_and_timeout_and_arguments_0(free.unchecked_ref(), 0)
    });
    if !matches!(set, Some(Ok(_))) {
        // No timer will run: free it now rather than keep it (and the state) for good.
        drop(state.borrow_mut().replaced.take());
    }
}

fn render_error(e: JsValue) -> JsError {
    let text = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| "the browser refused a DOM call".to_owned());
    JsError::new(&format!("rendering failed: {text}"))
}
