//! Loading `universe_structure.json` and `sector_contents.json` into the static [`Universe`],
//! refusing files that would make the game inconsistent and saying which sector is wrong.

use super::files::{
    PortDef, SectorContentsEntry, SectorContentsFile, SectorWarps, UniverseStructureFile,
};
use bang_components::economy::{Commodity, PortState};
use bang_components::universe::{CommodityNames, LaneFlags, Planet, Sector, Universe};
use std::fmt;
use std::path::Path;

/// Why world data was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorldDataError {
    pub file: String,
    pub message: String,
}

impl fmt::Display for WorldDataError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

impl std::error::Error for WorldDataError {}

const STRUCTURE: &str = "universe_structure.json";
const CONTENTS: &str = "sector_contents.json";

fn err(file: &str, message: impl Into<String>) -> WorldDataError {
    WorldDataError {
        file: file.to_string(),
        message: message.into(),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<T, WorldDataError> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| err(name, format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| err(name, format!("invalid JSON: {e}")))
}

/// Reads and validates the universe in `dir`.
pub fn load_universe(dir: &Path) -> Result<Universe, WorldDataError> {
    let structure: UniverseStructureFile = read_json(dir, STRUCTURE)?;
    let contents: SectorContentsFile = read_json(dir, CONTENTS)?;
    universe_from_files(&structure, &contents)
}

/// Builds the universe from parsed files, checking that ids are `0..n` in order, warps stay in
/// range, and ports have a valid code.
pub fn universe_from_files(
    structure: &UniverseStructureFile,
    contents: &SectorContentsFile,
) -> Result<Universe, WorldDataError> {
    let n = structure.meta.sector_count as usize;
    if n == 0 {
        return Err(err(STRUCTURE, "meta.sector_count must be at least 1"));
    }
    if structure.sectors.len() != n {
        return Err(err(
            STRUCTURE,
            format!(
                "meta.sector_count is {n} but {} sectors are listed",
                structure.sectors.len()
            ),
        ));
    }
    if contents.sectors.len() != n {
        return Err(err(
            CONTENTS,
            format!(
                "{} sectors are listed but the universe has {n}",
                contents.sectors.len()
            ),
        ));
    }
    let commodities = commodity_names(&contents.meta)?;
    let mut sectors = Vec::with_capacity(n);
    for (i, (warps, stuff)) in structure.sectors.iter().zip(&contents.sectors).enumerate() {
        if warps.id as usize != i {
            return Err(err(
                STRUCTURE,
                format!(
                    "entry {i} has id {} (ids must be 0..{n} in order)",
                    warps.id
                ),
            ));
        }
        if stuff.id as usize != i {
            return Err(err(
                CONTENTS,
                format!(
                    "entry {i} has id {} (ids must be 0..{n} in order)",
                    stuff.id
                ),
            ));
        }
        sectors.push(sector_from(i, n, warps, stuff, &commodities)?);
    }
    let mut universe = Universe::new(sectors);
    universe.commodities = commodities;
    Ok(universe)
}

/// One sector from its entries in the two files (ids already checked).
fn sector_from(
    i: usize,
    n: usize,
    warps: &SectorWarps,
    stuff: &SectorContentsEntry,
    commodities: &CommodityNames,
) -> Result<Sector, WorldDataError> {
    let mut out = Vec::with_capacity(warps.warps.len());
    let mut lanes = Vec::with_capacity(warps.warps.len());
    for w in &warps.warps {
        lanes.push(LaneFlags {
            two_way: w.two_way,
            hyperlane: w.is_hyperlane,
        });
        if w.to as usize >= n {
            return Err(err(
                STRUCTURE,
                format!("sector {i}: warp to {} is outside 0..{n}", w.to),
            ));
        }
        out.push(w.to);
    }
    let port = match &stuff.port {
        None => None,
        Some(def) => Some(
            port_state(def, commodities).map_err(|m| err(CONTENTS, format!("sector {i}: {m}")))?,
        ),
    };
    let planets = stuff
        .planets
        .iter()
        .map(|p| Planet {
            id: p.id.clone(),
            class_code: p.class_code.clone(),
            class_name: p.class_name.clone(),
        })
        .collect();
    Ok(Sector {
        warps: out,
        port,
        planets,
        position: warps.position.map_or([0, 0], |p| [p.x, p.y]),
        lanes,
        ..Default::default()
    })
}

/// The commodities' names from `sector_contents.json`'s `meta.commodities` (`{"QF":
/// "quantum_foam", …}`, in commodity order), or the seed's where the file names none.
fn commodity_names(
    meta: &serde_json::Map<String, serde_json::Value>,
) -> Result<CommodityNames, WorldDataError> {
    let Some(listed) = meta.get("commodities") else {
        return Ok(CommodityNames::default());
    };
    let pairs: Vec<(String, String)> = listed
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    match <[(String, String); 3]>::try_from(pairs) {
        Ok(three) => Ok(CommodityNames {
            keys: three.clone().map(|(k, _)| k),
            names: three.map(|(_, v)| v),
        }),
        Err(_) => Err(err(
            CONTENTS,
            "meta.commodities must map three keys to names, in commodity order",
        )),
    }
}

/// Why a port's definition was refused (the caller names the file and the sector).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum PortDefError {
    #[error("port code {0:?} must be three letters B or S")]
    Code(String),
    #[error("port {commodity}: stock {stock} is outside 0..={max}")]
    Stock {
        commodity: String,
        stock: i64,
        max: i64,
    },
}

/// A port's initial live state from its definition (world.md 6.2): sold commodities start at
/// `stock` of `stock_max`; bought ones hold `demand_max - demand` of `demand_max`.
fn port_state(def: &PortDef, names: &CommodityNames) -> Result<PortState, PortDefError> {
    if def.code.len() != 3 || !def.code.bytes().all(|b| b == b'B' || b == b'S') {
        return Err(PortDefError::Code(def.code.clone()));
    }
    let mut stock = [0i64; 3];
    let mut max_capacity = [0i64; 3];
    for c in Commodity::ALL {
        let i = c.index();
        let key = names.keys[i].as_str();
        if def.code.as_bytes()[i] == b'S' {
            stock[i] = def.stock.get(key).copied().unwrap_or(0);
            max_capacity[i] = def.stock_max.get(key).copied().unwrap_or(1000);
        } else {
            max_capacity[i] = def.demand_max.get(key).copied().unwrap_or(1000);
            stock[i] = max_capacity[i] - def.demand.get(key).copied().unwrap_or(700);
        }
        if max_capacity[i] < 0 || stock[i] < 0 || stock[i] > max_capacity[i] {
            return Err(PortDefError::Stock {
                commodity: key.to_string(),
                stock: stock[i],
                max: max_capacity[i],
            });
        }
    }
    Ok(PortState {
        class: def.class,
        code: def.code.clone(),
        stock,
        max_capacity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::generate::generate;

    #[test]
    fn generated_worlds_load() {
        let (s, c) = generate(200, 7).unwrap();
        let u = universe_from_files(&s, &c).unwrap();
        assert_eq!(u.sector_count(), 200);
        let ports = u.sectors.iter().filter(|s| s.port.is_some()).count();
        assert_eq!(ports, 76);
        // A generated seller starts at 700/1000, a buyer holds 300/1000.
        let port = u.sectors.iter().find_map(|s| s.port.as_ref()).unwrap();
        for c in Commodity::ALL {
            let want = if port.code.as_bytes()[c.index()] == b'S' {
                700
            } else {
                300
            };
            assert_eq!(port.stock[c.index()], want);
            assert_eq!(port.max_capacity[c.index()], 1000);
        }
    }

    #[test]
    fn bad_files_name_the_sector() {
        let (mut s, c) = generate(20, 1).unwrap();
        s.sectors[12].warps[0].to = 99;
        let e = universe_from_files(&s, &c).unwrap_err();
        assert_eq!(e.file, "universe_structure.json");
        assert!(e.message.contains("sector 12"), "{e}");

        let (s, mut c) = generate(20, 1).unwrap();
        let i = c.sectors.iter().position(|x| x.port.is_some()).unwrap();
        c.sectors[i].port.as_mut().unwrap().code = "BXS".into();
        let e = universe_from_files(&s, &c).unwrap_err();
        assert!(e.message.contains(&format!("sector {i}")), "{e}");

        let (mut s, c) = generate(20, 1).unwrap();
        s.sectors.swap(3, 4);
        let e = universe_from_files(&s, &c).unwrap_err();
        assert!(e.message.contains("entry 3"), "{e}");
    }
}
