//! Fuzzes commands: any JSON command, run by the system on a small demo org, either applies
//! and keeps the org importable, or is refused and changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roster_engine::{demo, Actor, Command, Context, Org, SeededEntropy, Timestamp};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(command) = Command::from_json(text) else { return };
    let mut org = demo::generate(&demo::DemoSpec::small(8, 1));
    let before = org.clone();
    let mut entropy = SeededEntropy::new(1);
    let now = Timestamp::from_unix_seconds(1_796_000_000);
    let mut ctx = Context { actor: Actor::System, now, entropy: &mut entropy };
    match org.execute(&mut ctx, &command) {
        Ok(_) => {
            Org::from_json(&org.to_json()).expect("the org still imports");
        }
        Err(_) => assert_eq!(org, before),
    }
});
