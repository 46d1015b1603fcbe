//! Deterministic universe generator: builds the warp graph and the initial ports, and returns
//! them as the two world-data files. Same `(sector_count, seed)` gives byte-identical JSON.
//!
//! It follows the reference generator's rules (backbone tree, sealed two-hop spurs, local extra
//! warps, low-degree port placement, complementary class tuning) but draws from ChaCha8, so it
//! does not reproduce the reference's universe for the same seed.

use std::fmt;

use indexmap::IndexMap;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use super::files::{
    PortDef, SectorContentsEntry, SectorContentsFile, SectorWarps, UniverseMeta,
    UniverseStructureFile, Warp,
};

const BASE_PORT_DENSITY: f64 = 0.40;
const INITIAL_PORT_BUILD_RATE: f64 = 0.95;
const MIN_WARPS_PER_SECTOR: usize = 1;
const MAX_WARPS_PER_SECTOR: usize = 2;
const TWO_WAY_PROBABILITY: f64 = 0.05;
const DEGREE_CAP_UND: usize = 4;
const MAX_TREE_DEG: usize = 4;
const RARE_SPUR_TARGET: usize = 100;
/// Anchor spacing tried in turn until `RARE_SPUR_TARGET` spurs are found.
const RARE_SPUR_SEPARATIONS: [usize; 3] = [10, 8, 6];
const EXTRA_WARP_PASSES: usize = 4;
const PAIR_RADIUS: usize = 2;
const PAIR_COVERAGE: f64 = 0.70;
const PAIR_TUNING_PASSES: usize = 2;
const PORT_DEFAULT_CAP: i64 = 1000;
const PORT_STARTING_FILL: f64 = 0.70;
const COURSE_LENGTH_HINT: u32 = 45;

/// Port codes by class (index = class − 1); letters are FO, OG, EQ.
const CLASS_CODES: [&str; 8] = ["BBS", "BSB", "SBB", "SSB", "SBS", "BSS", "SSS", "BBB"];
/// Commodity keys and long names, in code-letter order.
const COMMODITIES: [(&str, &str); 3] =
    [("FO", "fuel_ore"), ("OG", "organics"), ("EQ", "equipment")];

/// Why a universe could not be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GenerateError {
    /// `sector_count` was 0.
    ZeroSectors,
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateError::ZeroSectors => f.write_str("sector_count must be a positive integer."),
        }
    }
}

impl std::error::Error for GenerateError {}

/// Generates a universe of `sector_count` sectors from `seed`.
pub fn generate(
    sector_count: u32,
    seed: u64,
) -> Result<(UniverseStructureFile, SectorContentsFile), GenerateError> {
    if sector_count == 0 {
        return Err(GenerateError::ZeroSectors);
    }
    let u = build(sector_count as usize, seed);
    Ok((structure_file(&u, seed), contents_file(&u, seed)))
}

/// The spanning backbone, rooted at a random sector.
struct Tree {
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    /// Tree neighbours (parent and children).
    adj: Vec<Vec<usize>>,
    /// Depth from the root (the reference's "ring").
    depth: Vec<usize>,
}

impl Tree {
    fn lca_depth(&self, mut a: usize, mut b: usize) -> usize {
        let up = |x: usize| self.parent[x].expect("only the root lacks a parent");
        while self.depth[a] > self.depth[b] {
            a = up(a);
        }
        while self.depth[b] > self.depth[a] {
            b = up(b);
        }
        while a != b {
            (a, b) = (up(a), up(b));
        }
        self.depth[a]
    }

    /// The reference's locality rule for extra warps: same or adjacent ring, and the shallower
    /// node at most one level below the common ancestor.
    fn local_enough(&self, s: usize, t: usize) -> bool {
        let (ds, dt) = (self.depth[s], self.depth[t]);
        ds.abs_diff(dt) <= 1 && ds.min(dt).saturating_sub(self.lca_depth(s, t)) <= 1
    }

    /// All nodes passing `local_enough` except tree neighbours and siblings (siblings share their
    /// parent, so the no-triangle rule always rejects them): uncles and nephews. Listing them
    /// directly avoids the reference's scan of every sector per source.
    fn uncles_and_nephews(&self, s: usize) -> Vec<usize> {
        let mut out = Vec::new();
        if let Some(p) = self.parent[s] {
            for &sib in self.children[p].iter().filter(|&&x| x != s) {
                out.extend_from_slice(&self.children[sib]);
            }
            if let Some(g) = self.parent[p] {
                out.extend(self.children[g].iter().copied().filter(|&x| x != p));
            }
        }
        out
    }
}

/// Everything the generator decides, before it is turned into files.
struct Universe {
    #[cfg_attr(not(test), allow(dead_code))]
    tree: Tree,
    /// Outgoing warps per sector (unsorted, no duplicates).
    out: Vec<Vec<usize>>,
    /// Undirected adjacency after all warps (sorted).
    und: Vec<Vec<usize>>,
    /// Chosen spurs `(anchor, middle, leaf)`.
    spurs: Vec<(usize, usize, usize)>,
    /// Port class per sector, 0 for none.
    port_class: Vec<u8>,
    coverage: f64,
}

impl Universe {
    fn spur_preserved(&self, (a, u, v): (usize, usize, usize)) -> bool {
        let mut mid = [a, v];
        mid.sort_unstable();
        self.und[u] == mid && self.und[v] == [u]
    }
}

/// Bounded breadth-first search that marks by generation, so repeated small searches do not
/// clear an n-sized array each time.
struct Bfs {
    mark: Vec<u32>,
    stamp: u32,
    queue: Vec<(usize, usize)>,
}

impl Bfs {
    fn new(n: usize) -> Self {
        let (mark, stamp, queue) = (vec![0; n], 0, Vec::new());
        Bfs { mark, stamp, queue }
    }

    /// `(node, hops)` for every node within `radius` hops of `start`, excluding `start`.
    fn within(&mut self, adj: &[Vec<usize>], start: usize, radius: usize) -> &[(usize, usize)] {
        self.stamp += 1;
        self.mark[start] = self.stamp;
        self.queue.clear();
        self.queue.push((start, 0));
        let mut head = 0;
        while let Some(&(x, d)) = self.queue.get(head) {
            head += 1;
            for &y in adj[x].iter().filter(|_| d < radius) {
                if self.mark[y] != self.stamp {
                    self.mark[y] = self.stamp;
                    self.queue.push((y, d + 1));
                }
            }
        }
        &self.queue[1..]
    }
}

fn build(n: usize, seed: u64) -> Universe {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let tree = build_tree(n, &mut rng);
    let mut bfs = Bfs::new(n);
    let spurs = select_spurs(&tree, &mut bfs);
    let mut sealed = vec![false; n];
    for &(_, u, v) in &spurs {
        (sealed[u], sealed[v]) = (true, true);
    }
    // Every tree edge is a two-way pair of warps.
    let (mut out, mut und) = (tree.adj.clone(), tree.adj.clone());
    add_extra_warps(&tree, &sealed, &mut out, &mut und, &mut rng);
    und.iter_mut().for_each(|nb| nb.sort_unstable());
    let mut port_class = place_ports(&und, &mut rng);
    let coverage = tune_complements(&und, &mut port_class, &mut bfs, &mut rng);
    Universe {
        tree,
        out,
        und,
        spurs,
        port_class,
        coverage,
    }
}

/// Random tree with degree ≤ `MAX_TREE_DEG`: sectors in random order attach to a random
/// frontier node that still has a free slot.
fn build_tree(n: usize, rng: &mut ChaCha8Rng) -> Tree {
    let root = rng.random_range(0..n);
    let (parent, children, adj, depth) =
        (vec![None; n], vec![vec![]; n], vec![vec![]; n], vec![0; n]);
    let mut tree = Tree {
        parent,
        children,
        adj,
        depth,
    };
    let mut cap = vec![MAX_TREE_DEG; n];
    let mut frontier = vec![root];
    let mut remaining: Vec<usize> = (0..n).filter(|&s| s != root).collect();
    remaining.shuffle(rng);
    for s in remaining {
        // Never empty: each attach adds a node with free slots.
        let i = rng.random_range(0..frontier.len());
        let p = frontier[i];
        tree.parent[s] = Some(p);
        tree.children[p].push(s);
        tree.adj[p].push(s);
        tree.adj[s].push(p);
        tree.depth[s] = tree.depth[p] + 1;
        cap[p] -= 1;
        cap[s] = MAX_TREE_DEG - 1;
        if cap[p] == 0 {
            frontier.swap_remove(i);
        }
        frontier.push(s);
    }
    tree
}

/// Two-hop cul-de-sacs `a – u – v` (v a leaf, u of tree degree 2), one per anchor; anchors are
/// taken farthest from sector 0 first, skipping those too close to one already taken.
fn select_spurs(tree: &Tree, bfs: &mut Bfs) -> Vec<(usize, usize, usize)> {
    let n = tree.adj.len();
    let mut by_anchor: Vec<Option<(usize, usize)>> = vec![None; n];
    let mut anchors = Vec::new();
    for v in (0..n).filter(|&v| tree.adj[v].len() == 1) {
        let Some(u) = tree.parent[v].filter(|&u| tree.adj[u].len() == 2) else {
            continue;
        };
        let Some(a) = tree.parent[u] else { continue };
        if by_anchor[a].is_none() {
            by_anchor[a] = Some((u, v));
            anchors.push(a);
        }
    }
    // Distance from sector 0, not from the root (as the reference does); the stable sort keeps
    // discovery order among equals.
    let mut dist0 = vec![0; n];
    for &(x, d) in bfs.within(&tree.adj, 0, n) {
        dist0[x] = d;
    }
    anchors.sort_by_key(|&a| std::cmp::Reverse(dist0[a]));

    let mut selected = Vec::new();
    for sep in RARE_SPUR_SEPARATIONS {
        selected.clear();
        let mut blocked = vec![false; n];
        for &a in &anchors {
            if blocked[a] {
                continue;
            }
            selected.push(a);
            if selected.len() >= RARE_SPUR_TARGET {
                break;
            }
            for &(x, _) in bfs.within(&tree.adj, a, sep) {
                blocked[x] = true;
            }
        }
        if selected.len() >= RARE_SPUR_TARGET {
            break;
        }
    }
    let spur = |a: usize| by_anchor[a].map(|(u, v)| (a, u, v));
    selected.into_iter().filter_map(spur).collect()
}

/// Adds mostly one-way local warps until sectors reach their desired out-degree.
fn add_extra_warps(
    tree: &Tree,
    sealed: &[bool],
    out: &mut [Vec<usize>],
    und: &mut [Vec<usize>],
    rng: &mut ChaCha8Rng,
) {
    let n = out.len();
    let range = MIN_WARPS_PER_SECTOR..=MAX_WARPS_PER_SECTOR;
    let desired: Vec<usize> = (0..n).map(|_| rng.random_range(range.clone())).collect();
    let mut order: Vec<usize> = (0..n).collect();
    for _ in 0..EXTRA_WARP_PASSES {
        order.shuffle(rng);
        let mut changed = false;
        for &s in &order {
            if sealed[s] || out[s].len() >= desired[s] || und[s].len() >= DEGREE_CAP_UND {
                continue;
            }
            // Lowest target degree first, ties random.
            let mut cands: Vec<(usize, u64, usize)> = (tree.uncles_and_nephews(s).into_iter())
                .filter(|&t| !sealed[t] && !out[s].contains(&t) && und[t].len() < DEGREE_CAP_UND)
                .filter(|&t| tree.local_enough(s, t))
                .map(|t| (und[t].len(), rng.random::<u64>(), t))
                .collect();
            cands.sort_unstable();
            // Given the locality rule no shared neighbour can arise (only siblings would, and they
            // are not candidates); kept as a safeguard of the no-triangle rule.
            let no_triangle = |t: usize| !und[s].iter().any(|x| und[t].contains(x));
            let Some(t) = cands.into_iter().map(|c| c.2).find(|&t| no_triangle(t)) else {
                continue;
            };
            out[s].push(t);
            // t → s may already exist; then so does the undirected edge (the reference counts
            // its degree twice here; the true degree is kept).
            if !und[s].contains(&t) {
                und[s].push(t);
                und[t].push(s);
            }
            let reverse = rng.random::<f64>() < TWO_WAY_PROBABILITY;
            let room = und[s].len() < DEGREE_CAP_UND && und[t].len() < DEGREE_CAP_UND;
            if reverse && room && !out[t].contains(&s) {
                out[t].push(s);
            }
            changed = true;
        }
        if !changed {
            break;
        }
    }
}

/// Number of ports: the reference's `round(0.38 × n)`, ties to even.
fn port_count(n: usize) -> usize {
    (BASE_PORT_DENSITY * INITIAL_PORT_BUILD_RATE * n as f64).round_ties_even() as usize
}

/// Ports go to the lowest-degree sectors (ties random), each with a random class 1–8.
fn place_ports(und: &[Vec<usize>], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let n = und.len();
    let mut order: Vec<(usize, u64, usize)> = (0..n)
        .map(|s| (und[s].len(), rng.random::<u64>(), s))
        .collect();
    order.sort_unstable();
    let mut chosen: Vec<usize> = order[..port_count(n)].iter().map(|c| c.2).collect();
    chosen.sort_unstable();
    let mut class = vec![0u8; n];
    for s in chosen {
        class[s] = rng.random_range(1..=8);
    }
    class
}

/// The class whose code swaps B and S.
fn complement(class: u8) -> u8 {
    [4, 5, 6, 1, 2, 3, 8, 7][usize::from(class) - 1]
}

/// Ports within `PAIR_RADIUS` undirected hops of `s`.
fn ports_near(s: usize, und: &[Vec<usize>], class: &[u8], bfs: &mut Bfs) -> Vec<usize> {
    let near = bfs.within(und, s, PAIR_RADIUS).iter().map(|&(t, _)| t);
    near.filter(|&t| class[t] != 0).collect()
}

fn has_complement(s: usize, und: &[Vec<usize>], class: &[u8], bfs: &mut Bfs) -> bool {
    let want = complement(class[s]);
    ports_near(s, und, class, bfs)
        .into_iter()
        .any(|t| class[t] == want)
}

/// Share of ports with a complementary port within `PAIR_RADIUS` (0 without ports).
fn coverage(und: &[Vec<usize>], class: &[u8], bfs: &mut Bfs) -> f64 {
    let ports: Vec<usize> = (0..class.len()).filter(|&s| class[s] != 0).collect();
    let ok = ports
        .iter()
        .filter(|&&s| has_complement(s, und, class, bfs))
        .count();
    ok as f64 / ports.len().max(1) as f64
}

/// Switches ports lacking a nearby complement to the complement of a random nearby port, for up
/// to `PAIR_TUNING_PASSES` passes or until coverage reaches `PAIR_COVERAGE`. Returns the final
/// coverage.
fn tune_complements(
    und: &[Vec<usize>],
    class: &mut [u8],
    bfs: &mut Bfs,
    rng: &mut ChaCha8Rng,
) -> f64 {
    let ports: Vec<usize> = (0..class.len()).filter(|&s| class[s] != 0).collect();
    for _ in 0..PAIR_TUNING_PASSES {
        let mut lacking: Vec<usize> = ports
            .iter()
            .copied()
            .filter(|&s| !has_complement(s, und, class, bfs))
            .collect();
        lacking.shuffle(rng);
        // As in the reference, `lacking` is not refreshed within a pass.
        for s in lacking {
            let mut near = ports_near(s, und, class, bfs);
            near.shuffle(rng);
            if let Some(w) = near
                .into_iter()
                .map(|t| complement(class[t]))
                .find(|&w| w != class[s])
            {
                class[s] = w;
            }
        }
        if coverage(und, class, bfs) >= PAIR_COVERAGE {
            break;
        }
    }
    coverage(und, class, bfs)
}

/// Python's `round(x, 3)` (exact binary value, ties to even), which is what Rust's
/// fixed-precision formatting computes.
fn round3(x: f64) -> f64 {
    format!("{x:.3}").parse().expect("formatted float parses")
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!("json! object literal"),
    }
}

fn structure_file(u: &Universe, seed: u64) -> UniverseStructureFile {
    let n = u.out.len();
    let total: usize = u.out.iter().map(Vec::len).sum();
    let arcs = (0..n).flat_map(|s| u.out[s].iter().map(move |&t| (s, t)));
    let two_way = arcs.filter(|&(s, t)| u.out[t].contains(&s)).count();
    let fraction = two_way as f64 / total.max(1) as f64;
    let preserved = u.spurs.iter().filter(|&&t| u.spur_preserved(t)).count();
    let extra = object(json!({
        "id_base": 0,
        "directed": true,
        "seed": seed,
        "warp_outgoing_range": [MIN_WARPS_PER_SECTOR, MAX_WARPS_PER_SECTOR],
        "two_way_probability_setting": TWO_WAY_PROBABILITY,
        "actual_two_way_arc_fraction": round3(fraction),
        "course_length_hint": COURSE_LENGTH_HINT,
        "rare_spurs": {
            "target": RARE_SPUR_TARGET,
            "selected": u.spurs.len(),
            "preserved": preserved,
            "min_sep": RARE_SPUR_SEPARATIONS[0],
            "degree_cap": DEGREE_CAP_UND,
        },
    }));
    let sectors = (0..n)
        .map(|s| {
            let mut to = u.out[s].clone();
            to.sort_unstable();
            let warp = |t: usize| Warp {
                to: t as u32,
                two_way: u.out[t].contains(&s),
                is_hyperlane: false,
            };
            SectorWarps {
                id: s as u32,
                position: None,
                warps: to.into_iter().map(warp).collect(),
            }
        })
        .collect();
    let meta = UniverseMeta {
        sector_count: n as u32,
        extra,
    };
    UniverseStructureFile { meta, sectors }
}

/// A port's initial inventory: sold commodities stocked to 70 %, bought ones demanded to 70 %.
fn port_def(class: u8) -> PortDef {
    let code = CLASS_CODES[usize::from(class) - 1];
    let fill = (PORT_DEFAULT_CAP as f64 * PORT_STARTING_FILL).round_ties_even() as i64;
    let mut p = PortDef {
        class,
        code: code.to_string(),
        buys: Vec::new(),
        sells: Vec::new(),
        stock: IndexMap::new(),
        stock_max: IndexMap::new(),
        demand: IndexMap::new(),
        demand_max: IndexMap::new(),
    };
    for (&(key, long), letter) in COMMODITIES.iter().zip(code.chars()) {
        // (sold, bought) as 1/0 multipliers.
        let (s, b) = if letter == 'S' { (1, 0) } else { (0, 1) };
        p.stock.insert(key.to_string(), s * fill);
        p.stock_max.insert(key.to_string(), s * PORT_DEFAULT_CAP);
        p.demand.insert(key.to_string(), b * fill);
        p.demand_max.insert(key.to_string(), b * PORT_DEFAULT_CAP);
        let list = if s == 1 { &mut p.sells } else { &mut p.buys };
        list.push(long.to_string());
    }
    p
}

fn contents_file(u: &Universe, seed: u64) -> SectorContentsFile {
    let n = u.port_class.len();
    let meta = object(json!({
        "sector_count": n,
        "seed": seed,
        "base_port_density": BASE_PORT_DENSITY,
        "initial_port_build_rate": INITIAL_PORT_BUILD_RATE,
        "port_percentage_effective": round3(BASE_PORT_DENSITY * INITIAL_PORT_BUILD_RATE),
        "planets_enabled": false,
        "planet_percentage": 0.0,
        "complementary_pairs": {
            "enabled": true,
            "radius": PAIR_RADIUS,
            "target_coverage": PAIR_COVERAGE,
            "actual_coverage": round3(u.coverage),
        },
        "pricing_bands": {"sell_min": 0.75, "sell_max": 1.10, "buy_min": 0.90, "buy_max": 1.30},
        "port_inventory": {
            "default_cap": PORT_DEFAULT_CAP,
            "starting_fill": PORT_STARTING_FILL,
            "regen_fraction_stock": 0.25,
            "regen_fraction_demand": 0.25,
        },
        "commodities": {"FO": "fuel_ore", "OG": "organics", "EQ": "equipment"},
    }));
    let port = |s: usize| (u.port_class[s] != 0).then(|| port_def(u.port_class[s]));
    let entry = |s: usize| SectorContentsEntry {
        id: s as u32,
        port: port(s),
        planets: vec![],
    };
    SectorContentsFile {
        meta,
        sectors: (0..n).map(entry).collect(),
    }
}

#[cfg(test)]
mod tests;
