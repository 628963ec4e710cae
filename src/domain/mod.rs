//! The shared vocabulary of every domain: product lines, state codes, languages, and the parsers of
//! phone numbers, e-mail addresses and NPNs, the policy vocabulary ([`policy`]), plus
//! [`text_column!`] for enums stored as text and [`vocabulary!`] for closed word lists.
//!
//! Pure: no I/O, no clock, no other module of the crate but [`crate::text`].

pub mod commission;
mod contact;
mod languages;
mod lists;
pub mod money;
pub mod network;
mod npn;
pub mod plan_year;
pub mod policy;
mod product;
mod states;
mod text_column;
mod vocabulary;

pub use contact::{display_phone, parse_email, parse_phone};
pub use languages::{language_name, parse_languages, LANGUAGES};
pub use npn::parse_npn;
pub use product::ProductLine;
pub use states::{parse_state, parse_states, state_name, STATES};
pub use text_column::text_column;
pub use vocabulary::vocabulary;
