//! Writing to stdout: documents and JSON with a final newline, and a closed pipe tolerated.

use std::io::{self, Write};

use roster_engine::Org;

use crate::Failure;

/// The org's canonical pretty JSON, ending in a newline.
pub(crate) fn document_text(org: &Org) -> Result<String, Failure> {
    let mut text = org.to_json_pretty();
    // The engine answers an empty string if the org could not be serialised.
    if text.is_empty() {
        return Err(Failure::new("the org could not be written as JSON"));
    }
    text.push('\n');
    Ok(text)
}

/// Prints the org's canonical pretty JSON.
pub(crate) fn print_document(org: &Org) -> Result<(), Failure> {
    print(&document_text(org)?)
}

/// Any serialisable answer as pretty JSON, ending in a newline.
pub(crate) fn to_json(value: &impl serde::Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|e| Failure::new(format!("could not write JSON: {e}")))
}

/// Writes to stdout. A closed pipe (`roster demo | head`) is not an error.
pub(crate) fn print(text: &str) -> Result<(), Failure> {
    print_bytes(text.as_bytes())
}

/// Writes bytes (a compact document) to stdout, as [`print`] writes text.
pub(crate) fn print_bytes(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Failure::new(format!("can't write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}
