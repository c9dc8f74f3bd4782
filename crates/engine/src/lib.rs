//! Roster's engine: one organisation's users, invitations, roles, groups, devices and seats,
//! the rules every change must follow, and checks that say why.
//!
//! The engine does no I/O, keeps no clock and logs nothing. The same code runs natively (the
//! `roster` CLI, the benchmarks), in the edge API and in the browser element, compiled to
//! WebAssembly.
//!
//! ```
//! use roster_engine::{demo, AccessIndex, Org};
//!
//! let org: Org = demo::generate(&demo::DemoSpec::small(20, 7));
//! // usr_00001 is one of the demo org's owners.
//! let why = org.explain("usr_00001", "invitations:create");
//! assert!(why.is_allowed());
//! assert_eq!(why.grants[0].role.as_str(), "owner");
//!
//! // The compiled index gives the same answer, fast.
//! let index = AccessIndex::build(&org);
//! assert!(index.check("usr_00001", "invitations:create"));
//! ```
//!
//! Changes go through [`Org::execute`] with a [`Command`]; documents through
//! [`Org::from_json`] and [`Org::to_json`], or their compact binary form ([`compact`]).

// The README's Rust examples run as doctests, so the front page can't drift from the code.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub mod access;
pub mod catalog;
pub mod command;
pub mod compact;
pub mod demo;
pub mod document;
pub mod error;
pub mod index;
pub mod limits;
pub mod map;
pub mod model;
pub mod query;
mod rules;
pub mod set;
pub mod text;
pub mod time;
pub mod token;
mod tx;

pub use access::{Decision, DenyReason, Explanation, Grant};
pub use catalog::{BuiltinRole, ProductPermission};
pub use command::{Actor, Command, Context, Event, InviteSpec, IssuedToken, Note, Outcome};
pub use document::{DocumentError, OrgDocument};
pub use error::CommandError;
pub use index::AccessIndex;
pub use model::{
    CustomRole, Device, Group, Invitation, InvitationState, Org, OrgSettings, SeatUsage, Status,
    User, UserSettings,
};
pub use query::{Page, QueryError, SortKey, SortOrder, UserQuery};
pub use set::KeySet;
pub use text::ValueError;
pub use time::Timestamp;
pub use token::{Entropy, SeededEntropy, SystemEntropy};
