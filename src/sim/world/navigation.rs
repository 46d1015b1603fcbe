//! What scripted players know of the map: the way back to the warp depot from anywhere, and
//! the sectors within a few jumps with the way to each (breadth-first, warps in file order, so
//! every player sees the same routes).

use bang_components::universe::{SectorId, Universe};
use std::collections::VecDeque;
use std::sync::Arc;

/// Where warp power is sold.
pub const DEPOT: SectorId = 0;
const UNREACHED: u32 = u32::MAX;

/// The universe with what every route search needs, shared by a run's worlds.
pub struct Map {
    pub universe: Arc<Universe>,
    /// Jumps from each sector to the depot (`UNREACHED` when there is no way).
    depot_distance: Vec<u32>,
    /// The first jump from each sector on a shortest way to the depot.
    depot_next: Vec<SectorId>,
}

impl Map {
    pub fn new(universe: Arc<Universe>) -> Map {
        let n = universe.sectors.len();
        // Backwards from the depot over reversed warps.
        let mut incoming: Vec<Vec<SectorId>> = vec![Vec::new(); n];
        for (from, s) in universe.sectors.iter().enumerate() {
            for &to in &s.warps {
                incoming[to as usize].push(from as SectorId);
            }
        }
        let mut depot_distance = vec![UNREACHED; n];
        let mut depot_next = vec![DEPOT; n];
        let mut queue = VecDeque::from([DEPOT]);
        depot_distance[DEPOT as usize] = 0;
        while let Some(at) = queue.pop_front() {
            for &from in &incoming[at as usize] {
                if depot_distance[from as usize] == UNREACHED {
                    depot_distance[from as usize] = depot_distance[at as usize] + 1;
                    depot_next[from as usize] = at;
                    queue.push_back(from);
                }
            }
        }
        Map {
            universe,
            depot_distance,
            depot_next,
        }
    }

    pub fn sectors(&self) -> u32 {
        self.universe.sectors.len() as u32
    }

    pub fn warps(&self, s: SectorId) -> &[SectorId] {
        &self.universe.sector(s).warps
    }

    /// Jumps to the depot, if it can be reached.
    pub fn depot_distance(&self, s: SectorId) -> Option<u32> {
        Some(self.depot_distance[s as usize]).filter(|d| *d != UNREACHED)
    }

    /// The way to the depot, first jump first.
    pub fn route_to_depot(&self, mut s: SectorId) -> Vec<SectorId> {
        let mut route = Vec::new();
        if self.depot_distance(s).is_none() {
            return route;
        }
        while s != DEPOT {
            s = self.depot_next[s as usize];
            route.push(s);
        }
        route
    }
}

/// A sector within reach: how many jumps away.
#[derive(Debug, Clone, Copy)]
pub struct Reach {
    pub sector: SectorId,
    pub jumps: u32,
}

/// A breadth-first search's working memory, reused across searches (one per world).
pub struct Search {
    seen: Vec<u32>,
    parent: Vec<SectorId>,
    generation: u32,
    queue: VecDeque<(SectorId, u32)>,
    /// The last search's sectors, nearest first (the start excluded).
    pub found: Vec<Reach>,
}

impl Search {
    pub fn new(sectors: u32) -> Search {
        Search {
            seen: vec![0; sectors as usize],
            parent: vec![0; sectors as usize],
            generation: 0,
            queue: VecDeque::new(),
            found: Vec::new(),
        }
    }

    /// Every sector within `depth` jumps of `from`.
    pub fn around(&mut self, map: &Map, from: SectorId, depth: u32) -> &[Reach] {
        self.generation += 1;
        self.found.clear();
        self.queue.clear();
        self.seen[from as usize] = self.generation;
        self.queue.push_back((from, 0));
        while let Some((at, d)) = self.queue.pop_front() {
            if d == depth {
                continue;
            }
            for &to in map.warps(at) {
                if self.seen[to as usize] != self.generation {
                    self.seen[to as usize] = self.generation;
                    self.parent[to as usize] = at;
                    self.found.push(Reach {
                        sector: to,
                        jumps: d + 1,
                    });
                    self.queue.push_back((to, d + 1));
                }
            }
        }
        &self.found
    }

    /// The way from the last search's start to `to` (found by it), first jump first.
    pub fn route(&self, from: SectorId, to: SectorId) -> Vec<SectorId> {
        let mut route = vec![to];
        let mut at = to;
        while self.parent[at as usize] != from {
            at = self.parent[at as usize];
            route.push(at);
        }
        route.reverse();
        route
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bang_systems::harness::ring;

    #[test]
    fn routes_follow_warps_and_lead_home() {
        let map = Map::new(ring(6));
        assert_eq!(map.depot_distance(4), Some(2));
        assert_eq!(map.route_to_depot(4), vec![5, 0]);
        let mut search = Search::new(map.sectors());
        let found: Vec<(u32, u32)> = search
            .around(&map, 1, 3)
            .iter()
            .map(|r| (r.sector, r.jumps))
            .collect();
        assert_eq!(found, vec![(2, 1), (3, 2), (4, 3)]);
        assert_eq!(search.route(1, 4), vec![2, 3, 4]);
        assert_eq!(search.route(1, 2), vec![2]);
    }
}
