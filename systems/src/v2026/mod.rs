//! The endpoints of the 2026-01 dialect that answer differently from the seed's under the same
//! name (and the ones only it has), over the same rules and world operations. Their results are
//! that release's shapes; the data it sent as events goes out as `GameEvent::Release2026`.

pub mod bank;
pub mod cargo;
pub mod character_admin;
pub mod characters;
pub mod combat;
pub mod combat_told;
pub mod corporations;
pub mod credits;
pub mod event_query;
pub mod fighters;
pub mod garrison_watch;
pub mod garrisons;
pub mod join;
pub mod known_ports;
pub mod leaderboard;
pub mod maps;
pub mod movement;
pub mod path_region;
pub mod reset;
pub mod sessions;
pub mod shipyard;
pub mod tell;
pub mod trade;
pub mod views;
pub mod warp_power;
