//! World data: the two universe files (reference format), loading and validating them, and the
//! deterministic generator behind `bang universe`.

pub mod event_log;
pub mod files;
pub mod generate;
pub mod load;
pub mod mirror;
pub mod seeds;

pub use load::{WorldDataError, load_universe, universe_from_files};
