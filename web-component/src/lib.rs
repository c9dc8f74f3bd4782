//! `<roster-users>`: the users table of an org, rendered by Rust into a shadow root, with the
//! engine inside to decide what the viewer may see and do.
//!
//! A small loader (`roster-users.js`) defines the custom element and hands each instance to
//! [`RosterUsers`]. User data (names, emails, role and group keys) only ever becomes text
//! nodes, never markup.

mod view;

use std::cell::RefCell;
use std::rc::Rc;

use roster_engine::{demo, Org, SortKey, SortOrder, UserQuery};
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

/// What one element shows: the org, who is looking, and the listing they asked for.
pub(crate) struct State {
    pub(crate) org: Option<Org>,
    pub(crate) viewer: Option<String>,
    pub(crate) query: UserQuery,
    pub(crate) error: Option<String>,
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
        query.cursor = None;
    }
}

/// A column name as the engine's listing spells it (`name`, `email`, `status`, `last_active`).
pub(crate) fn parse_sort_key(column: &str) -> Option<SortKey> {
    serde_json::from_value(serde_json::Value::String(column.to_owned())).ok()
}

/// One `<roster-users>` element.
#[wasm_bindgen]
pub struct RosterUsers {
    host: HtmlElement,
    root: ShadowRoot,
    state: Rc<RefCell<State>>,
}

#[wasm_bindgen]
impl RosterUsers {
    /// Attaches to a host element (the custom element itself), opening its shadow root.
    #[wasm_bindgen(constructor)]
    pub fn new(host: HtmlElement) -> Result<RosterUsers, JsValue> {
        let root = match host.shadow_root() {
            Some(root) => root,
            None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
        };
        let state = State {
            org: None,
            viewer: None,
            query: UserQuery {
                limit: 50,
                ..UserQuery::default()
            },
            error: None,
        };
        Ok(RosterUsers {
            host,
            root,
            state: Rc::new(RefCell::new(state)),
        })
    }

    /// Shows an org document (JSON text). Throws with the path of the first bad field.
    #[wasm_bindgen(js_name = loadDocument)]
    pub fn load_document(&self, document: &str) -> Result<(), JsError> {
        let org = Org::from_json(document).map_err(|e| JsError::new(&e.to_string()))?;
        self.state.borrow_mut().org = Some(org);
        self.render()
    }

    /// Shows a generated demo org of `users` users, with no server at all.
    #[wasm_bindgen(js_name = loadDemo)]
    pub fn load_demo(&self, users: usize, seed: u32) -> Result<(), JsError> {
        let org = demo::generate(&demo::DemoSpec::small(users, u64::from(seed)));
        {
            let mut state = self.state.borrow_mut();
            // The demo viewer is the first owner, who may do everything.
            state.viewer = org.active_owners().next().map(|u| u.id.to_string());
            state.org = Some(org);
        }
        self.render()
    }

    /// Sets who is looking: what they may do decides which actions are shown.
    #[wasm_bindgen(js_name = setViewer)]
    pub fn set_viewer(&self, user_id: &str) -> Result<(), JsError> {
        self.state.borrow_mut().viewer = Some(user_id.to_owned());
        self.render()
    }

    /// Filters by text on name and email.
    #[wasm_bindgen(js_name = setSearch)]
    pub fn set_search(&self, text: &str) -> Result<(), JsError> {
        self.state.borrow_mut().query.search = Some(text.to_owned()).filter(|t| !t.is_empty());
        self.render()
    }

    /// Sorts by a column (`name`, `email`, `status`, `last_active`); the same column again
    /// reverses the order.
    #[wasm_bindgen(js_name = sortBy)]
    pub fn sort_by(&self, column: &str) -> Result<(), JsError> {
        let key = parse_sort_key(column)
            .ok_or_else(|| JsError::new(&format!("unknown column `{column}`")))?;
        self.state.borrow_mut().sort_by(key);
        self.render()
    }

    /// Shows an error in place of the table (e.g. the API refused).
    #[wasm_bindgen(js_name = showError)]
    pub fn show_error(&self, message: &str) -> Result<(), JsError> {
        {
            let mut state = self.state.borrow_mut();
            state.org = None;
            state.error = Some(message.to_owned());
        }
        self.render()
    }

    /// Draws the element from its state.
    pub fn render(&self) -> Result<(), JsError> {
        view::render(&self.host, &self.root, &self.state)
            .map_err(|e| JsError::new(&format!("rendering failed: {e:?}")))
    }
}
