//! Fuzzes org document import: any bytes either import and round-trip, or give an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roster_engine::Org;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(org) = Org::from_json(text) {
        let again = Org::from_json(&org.to_json()).expect("an exported org imports");
        assert_eq!(again, org);
    }
});
