//! A minimal WebAssembly module exposing the engine's checks to JavaScript.
//!
//! It exists to measure what the engine costs in Wasm (size, and check speed under Node) and
//! as the smallest way to embed Roster's decisions in a JavaScript host. The browser element
//! builds on the same engine with its own, larger, bindings.

use roster_engine::{AccessIndex, Org};
use wasm_bindgen::prelude::*;

/// An org loaded from its document, with its compiled check index.
#[wasm_bindgen]
pub struct Engine {
    org: Org,
    index: AccessIndex,
    /// Ids handed out by [`Engine::user_handle`], so hot loops can skip string passing.
    users: Vec<String>,
    permissions: Vec<String>,
}

#[wasm_bindgen]
impl Engine {
    /// Loads an org document (JSON text). Throws with the path of the first bad field.
    pub fn load(document: &str) -> Result<Engine, JsError> {
        let org = Org::from_json(document).map_err(|e| JsError::new(&e.to_string()))?;
        let index = AccessIndex::build(&org);
        Ok(Engine {
            org,
            index,
            users: Vec::new(),
            permissions: Vec::new(),
        })
    }

    /// Whether `user` is allowed `permission`.
    pub fn check(&self, user: &str, permission: &str) -> bool {
        self.index.check(user, permission)
    }

    /// The decision with its reasons, as JSON text.
    pub fn explain(&self, user: &str, permission: &str) -> String {
        serde_json::to_string(&self.org.explain(user, permission)).unwrap_or_default()
    }

    /// A number standing for a user id, for [`Engine::check_handles`].
    #[wasm_bindgen(js_name = userHandle)]
    pub fn user_handle(&mut self, user: &str) -> u32 {
        handle(&mut self.users, user)
    }

    /// A number standing for a permission key, for [`Engine::check_handles`].
    #[wasm_bindgen(js_name = permissionHandle)]
    pub fn permission_handle(&mut self, permission: &str) -> u32 {
        handle(&mut self.permissions, permission)
    }

    /// [`Engine::check`] by handles: no strings cross the boundary.
    #[wasm_bindgen(js_name = checkHandles)]
    pub fn check_handles(&self, user: u32, permission: u32) -> bool {
        match (
            self.users.get(user as usize),
            self.permissions.get(permission as usize),
        ) {
            (Some(u), Some(p)) => self.index.check(u, p),
            _ => false,
        }
    }

    /// Seat usage as JSON text: purchased, held, free.
    #[wasm_bindgen(js_name = seatUsage)]
    pub fn seat_usage(&self) -> String {
        serde_json::to_string(&self.org.seat_usage()).unwrap_or_default()
    }
}

fn handle(list: &mut Vec<String>, value: &str) -> u32 {
    match list.iter().position(|v| v == value) {
        Some(i) => i as u32,
        None => {
            list.push(value.to_owned());
            (list.len() - 1) as u32
        }
    }
}
