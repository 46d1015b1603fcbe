//! The wire vocabulary: typed requests, results, events and errors. The network thread decodes
//! frames into these types; the systems answer with them; `schemas/` is generated from them.

pub mod account;
pub mod cargo;
pub mod combat;
pub mod endpoint;
pub mod error;
pub mod events;
pub mod fields;
pub mod frames;
pub mod payloads;
pub mod requests;
pub mod v2026;

pub use endpoint::{Endpoint, Framing};
pub use error::ApiError;
