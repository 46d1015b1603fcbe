//! Serde types for the two static world-data files, `universe_structure.json` (the warp graph)
//! and `sector_contents.json` (initial ports and planets). Both are written by the universe
//! generator and read once at server start-up.
//!
//! The types keep every field the generator writes, so a file parsed and written back keeps its
//! content. Fields the server does not need are still modelled (`buys`, `sells`, `two_way`) or
//! kept as raw JSON (`meta`), because they are informational and hand-made files may omit or vary
//! them.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// `universe_structure.json`: the directed warp graph.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UniverseStructureFile {
    /// File header; only `sector_count` matters to the server.
    pub meta: UniverseMeta,
    /// One entry per sector; ids must be `0 .. sector_count`.
    pub sectors: Vec<SectorWarps>,
}

/// Header of `universe_structure.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UniverseMeta {
    /// Number of sectors (ids `0 .. sector_count`).
    pub sector_count: u32,
    /// Informational keys (`id_base`, `directed`, `seed`, `rare_spurs`, ...), kept in file order.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The outgoing warps of one sector.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SectorWarps {
    /// Sector id.
    pub id: u32,
    /// Where maps draw the sector (the 2026-01 release's files have it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// Outgoing warps; their order is the neighbour order used by path finding.
    pub warps: Vec<Warp>,
}

/// One directed warp from the enclosing sector.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Warp {
    /// Destination sector id.
    pub to: u32,
    /// True when the reverse warp also exists (shown on maps; movement ignores it).
    #[serde(default)]
    pub two_way: bool,
    /// A hyperlane (shown on maps).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_hyperlane: bool,
}

/// A sector's map position.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Position {
    pub x: i64,
    pub y: i64,
}

/// `sector_contents.json`: what each sector initially contains.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SectorContentsFile {
    /// Informational header (densities, pricing hints, commodity names); ignored by the server.
    pub meta: serde_json::Map<String, serde_json::Value>,
    /// One entry per sector, ordered so that `sectors[i].id == i`.
    pub sectors: Vec<SectorContentsEntry>,
}

/// Contents of one sector.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SectorContentsEntry {
    /// Sector id.
    pub id: u32,
    /// The sector's port, if any (`null` in the file when absent).
    #[serde(default)]
    pub port: Option<PortDef>,
    /// Planets in the sector (the generator currently writes none).
    #[serde(default)]
    pub planets: Vec<PlanetDef>,
}

/// Initial definition of a port; the live port state is derived from it on first use.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PortDef {
    /// Port class 1–8 (stored, never used by the server).
    pub class: u8,
    /// Three letters `B`/`S` for FO, OG, EQ: `S` the port sells it, `B` it buys it.
    pub code: String,
    /// Long names of the commodities bought (informational; derived from `code`).
    #[serde(default)]
    pub buys: Vec<String>,
    /// Long names of the commodities sold (informational; derived from `code`).
    #[serde(default)]
    pub sells: Vec<String>,
    /// Units on hand per commodity key (`FO`, `OG`, `EQ`).
    #[serde(default)]
    pub stock: IndexMap<String, i64>,
    /// Stock capacity per commodity key.
    #[serde(default)]
    pub stock_max: IndexMap<String, i64>,
    /// Remaining demand per commodity key.
    #[serde(default)]
    pub demand: IndexMap<String, i64>,
    /// Demand capacity per commodity key.
    #[serde(default)]
    pub demand_max: IndexMap<String, i64>,
}

/// A planet, as `{"id": "PL-00000", "class_code": "M", "class_name": "Earthlike"}`; other keys are
/// ignored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanetDef {
    /// Planet id, `PL-` and five digits.
    pub id: String,
    /// One-letter planet class (M, K, O, L, C, H, U).
    pub class_code: String,
    /// Human-readable class name (Earthlike, Desert, ...).
    pub class_name: String,
}
