//! The static universe: the directed warp graph, the initial ports and the planets. Loaded once at
//! start-up and shared read-only (the network thread reads it too, for the HTTP debug map).

use crate::economy::PortState;
use bevy_ecs::prelude::Resource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Arc;

pub type SectorId = u32;

/// A planet as sector contents show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Planet {
    pub id: String,
    pub class_code: String,
    pub class_name: String,
}

/// One sector's static data.
#[derive(Debug, Clone, Default)]
pub struct Sector {
    /// Outgoing warps in file order: the neighbour order path finding uses.
    pub warps: Vec<SectorId>,
    /// The same warps ascending, as `adjacent_sectors` shows them.
    pub adjacent: Vec<SectorId>,
    /// Distinct neighbours counting warps in either direction (for `local_map`'s `is_leaf`).
    pub undirected_degree: u32,
    /// The port as the world data defines it (its initial state), if any.
    pub port: Option<PortState>,
    pub planets: Vec<Planet>,
    /// Where the map draws the sector (`[x, y]`; `[0, 0]` where the file gives none).
    pub position: [i64; 2],
    /// The outgoing warps' flags, parallel to `warps`.
    pub lanes: Vec<LaneFlags>,
}

/// What the world data says of one warp besides its destination.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LaneFlags {
    pub two_way: bool,
    pub hyperlane: bool,
}

/// The three commodities' names as the world data spells them: two-letter keys in port files
/// and long names on the wire. The seed's universe trades fuel ore, organics and equipment;
/// the 2026-01 release's renamed them (quantum foam, retro-organics, neuro-symbolics) with the
/// same prices and rules, so a commodity is its position and only its names vary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommodityNames {
    pub keys: [String; 3],
    pub names: [String; 3],
}

impl Default for CommodityNames {
    fn default() -> Self {
        CommodityNames {
            keys: ["FO", "OG", "EQ"].map(String::from),
            names: ["fuel_ore", "organics", "equipment"].map(String::from),
        }
    }
}

impl CommodityNames {
    /// The commodity a long name or key stands for (case-insensitive).
    pub fn find(&self, name: &str) -> Option<crate::economy::Commodity> {
        let name = name.trim();
        crate::economy::Commodity::ALL.into_iter().find(|c| {
            self.names[c.index()].eq_ignore_ascii_case(name)
                || self.keys[c.index()].eq_ignore_ascii_case(name)
        })
    }

    /// The commodity with exactly this long name.
    pub fn named(&self, name: &str) -> Option<crate::economy::Commodity> {
        crate::economy::Commodity::ALL
            .into_iter()
            .find(|c| self.names[c.index()] == name)
    }

    pub fn name(&self, c: crate::economy::Commodity) -> &str {
        &self.names[c.index()]
    }
}

/// The whole static universe.
#[derive(Debug, Clone, Default)]
pub struct Universe {
    pub sectors: Vec<Sector>,
    pub commodities: CommodityNames,
}

impl Universe {
    /// Builds the derived fields (sorted adjacency, undirected degree) from outgoing warps.
    pub fn new(mut sectors: Vec<Sector>) -> Universe {
        let n = sectors.len();
        let mut undirected: Vec<Vec<SectorId>> = vec![Vec::new(); n];
        for (id, sector) in sectors.iter_mut().enumerate() {
            sector.adjacent = sector.warps.clone();
            sector.adjacent.sort_unstable();
            sector.adjacent.dedup();
            for &to in &sector.warps {
                undirected[id].push(to);
                if (to as usize) < n {
                    undirected[to as usize].push(id as SectorId);
                }
            }
        }
        for (id, mut list) in undirected.into_iter().enumerate() {
            list.sort_unstable();
            list.dedup();
            sectors[id].undirected_degree = list.len() as u32;
        }
        Universe {
            sectors,
            commodities: CommodityNames::default(),
        }
    }

    pub fn sector_count(&self) -> u32 {
        self.sectors.len() as u32
    }

    pub fn contains(&self, sector: i64) -> bool {
        sector >= 0 && sector < self.sectors.len() as i64
    }

    pub fn sector(&self, id: SectorId) -> &Sector {
        &self.sectors[id as usize]
    }

    /// Whether a ship in `from` can jump straight to `to` (outgoing warps only).
    pub fn is_adjacent(&self, from: SectorId, to: SectorId) -> bool {
        self.sector(from).adjacent.binary_search(&to).is_ok()
    }

    /// Shortest directed path, breadth first over outgoing warps in file order, stopping as soon
    /// as the target is discovered: the reference's tie-breaking, which clients can observe.
    pub fn plot_course(&self, from: SectorId, to: SectorId) -> Option<Vec<SectorId>> {
        if from == to {
            return Some(vec![from]);
        }
        let n = self.sectors.len();
        let mut parent: Vec<u32> = vec![u32::MAX; n];
        parent[from as usize] = from;
        let mut queue = VecDeque::from([from]);
        while let Some(at) = queue.pop_front() {
            for &next in &self.sector(at).warps {
                if parent[next as usize] != u32::MAX {
                    continue;
                }
                parent[next as usize] = at;
                if next == to {
                    let mut path = vec![to];
                    let mut cur = to;
                    while cur != from {
                        cur = parent[cur as usize];
                        path.push(cur);
                    }
                    path.reverse();
                    return Some(path);
                }
                queue.push_back(next);
            }
        }
        None
    }
}

/// The universe as an ECS resource; cheap to clone and share with the network thread.
#[derive(Resource, Debug, Clone)]
pub struct UniverseRes(pub Arc<Universe>);

impl std::ops::Deref for UniverseRes {
    type Target = Universe;
    fn deref(&self) -> &Universe {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 0→1, 0→2, 1→3, 2→3, 3→0, 4 is unreachable.
    fn diamond() -> Universe {
        let warps = [vec![2, 1], vec![3], vec![3], vec![0], vec![0]];
        Universe::new(
            warps
                .into_iter()
                .map(|w| Sector {
                    warps: w,
                    ..Default::default()
                })
                .collect(),
        )
    }

    #[test]
    fn plot_course_breaks_ties_by_file_order() {
        let u = diamond();
        // Sector 0 lists 2 before 1, so the path goes through 2.
        assert_eq!(u.plot_course(0, 3), Some(vec![0, 2, 3]));
        assert_eq!(u.plot_course(3, 3), Some(vec![3]));
        assert_eq!(u.plot_course(0, 4), None);
        assert_eq!(u.plot_course(4, 3), Some(vec![4, 0, 2, 3]));
    }

    #[test]
    fn adjacency_is_directed_and_sorted() {
        let u = diamond();
        assert_eq!(u.sector(0).adjacent, vec![1, 2]);
        assert!(u.is_adjacent(0, 1));
        assert!(!u.is_adjacent(1, 0));
        assert_eq!(u.sector(0).undirected_degree, 4);
        assert_eq!(u.sector(4).undirected_degree, 1);
    }
}
