//! bang's plain data: the components, resources and messages the gameplay systems share, and the
//! typed payloads that cross the wire. Nothing here knows about sockets, SQL or schedules: it is the
//! vocabulary that `bang-systems` (the rules) and the `bang` server (network and storage) agree on.

pub mod account;
pub mod api;
pub mod balance;
pub mod character;
pub mod chat;
pub mod combat;
pub mod corporation;
pub mod economy;
pub mod game_events;
pub mod history;
pub mod ledger;
pub mod messages;
pub mod names;
pub mod rate_limits;
pub mod registry;
pub mod rules;
pub mod session;
pub mod ships;
pub mod time;
pub mod universe;
pub mod unowned_ships;

pub use bevy_ecs;
