//! Vigie's domain: the rules of the volunteers' table, with no I/O. Source clients produce
//! [`report::Observation`]s; [`report::ingest`] turns them into [`report::Report`]s; the
//! [`ports`] say what storage, publication and notification must do; [`public`] decides what
//! the public may see.

pub mod classify;
pub mod crisis;
pub mod gazetteer;
pub mod identity;
pub mod learn;
pub mod ports;
pub mod public;
pub mod relay;
pub mod report;
pub mod table;
pub mod taxonomy;
pub mod text;
pub mod token;
pub mod triage;

pub use crisis::Crisis;
pub use gazetteer::Gazetteer;
pub use report::{Observation, Report};
