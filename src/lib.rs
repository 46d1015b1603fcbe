//! The bang server: the network bridge, the SQLite store, world-data loading and the command
//! line, around the gameplay in `bang-systems`.

pub mod config;
pub mod import;
pub mod loadtest;
pub mod metrics;
pub mod net;
pub mod present;
pub mod schema;
pub mod server;
pub mod sim;
pub mod store;
pub mod world;
