//! The OpenAPI 3.1 description of the API, served at `/v1/openapi.json`.

use serde_json::{json, Value};

pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Roster API", "version": "1"},
        "paths": {}
    })
}
