//! Seeding characters from a world-data directory in the 2026-01 release's format, the way its
//! operators and its integration suite do: `characters.json` registers characters, and a
//! character the store does not have yet is built from `character-map-knowledge/<id>.json` and
//! its ship in `ships.json` when it joins. Files are read again only when they changed; they are
//! never the store (the store keeps what the game did with them).

use bang_components::character::Ship;
use bang_components::registry::{SeedFiles, SeededCharacter};
use bang_components::ships::{ShipCatalog, ShipType};
use bang_components::universe::{CommodityNames, SectorId};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// Reads the seed files of one world-data directory.
pub struct WorldDataSeeds {
    dir: PathBuf,
    commodities: CommodityNames,
    catalog: ShipCatalog,
    /// When each file was last read, by path: a file is read again only once it changed.
    read: Mutex<HashMap<PathBuf, SystemTime>>,
}

#[derive(Deserialize)]
struct RegistryFile {
    #[serde(default)]
    characters: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
struct KnowledgeFile {
    current_sector: Option<SectorId>,
    current_ship_id: Option<String>,
    #[serde(default)]
    credits: Option<i64>,
    #[serde(default)]
    credits_in_bank: i64,
    #[serde(default)]
    sectors_visited: BTreeMap<String, VisitedFile>,
}

#[derive(Deserialize)]
struct VisitedFile {
    #[serde(default)]
    adjacent_sectors: Vec<SectorId>,
}

/// One ship of a `ships.json` (the 2026-01 release's ship records).
#[derive(Deserialize)]
pub struct ShipRecord {
    pub ship_type: String,
    #[serde(default)]
    pub state: ShipStateFile,
    #[serde(default)]
    pub owner_type: Option<String>,
    #[serde(default)]
    pub sector: Option<SectorId>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub became_unowned: Option<String>,
    #[serde(default)]
    pub former_owner_name: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ShipStateFile {
    fighters: Option<i64>,
    shields: Option<i64>,
    warp_power: Option<i64>,
    pub credits: Option<i64>,
    #[serde(default)]
    cargo: BTreeMap<String, i64>,
}

impl ShipRecord {
    /// The ship this record describes, its values within the hull (none if the hull is unknown).
    pub fn ship(&self, catalog: ShipCatalog, names: &CommodityNames) -> Option<Ship> {
        let ship_type = catalog.parse_requested(&self.ship_type)?;
        let mut ship = Ship::new(ship_type, catalog);
        let (s, stats) = (&self.state, ship.stats());
        ship.fighters = s
            .fighters
            .map_or(ship.fighters, |v| v.clamp(0, stats.max_fighters as i64));
        ship.shields = s
            .shields
            .map_or(ship.shields, |v| v.clamp(0, stats.max_shields as i64));
        ship.warp_power = s.warp_power.map_or(ship.warp_power, |v| {
            v.clamp(0, stats.warp_power_capacity as i64)
        });
        for (name, units) in &s.cargo {
            if let Some(c) = names.find(name) {
                ship.cargo[c.index()] = (*units).max(0);
            }
        }
        Some(ship)
    }
}

/// Every record of `dir/ships.json` by ship id (none if it is missing or unreadable).
pub fn read_ship_records(dir: &Path) -> HashMap<String, ShipRecord> {
    std::fs::read_to_string(dir.join("ships.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// A file's name for a character id: characters other than letters, digits, `_` and `-` become
/// `_`, as that release names them.
pub fn safe_file_name(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl WorldDataSeeds {
    /// The directory's files as they are now count as read: a character the store already has
    /// is re-seeded only from a file changed while the server runs.
    pub fn new(dir: &Path, commodities: CommodityNames, catalog: ShipCatalog) -> WorldDataSeeds {
        let knowledge = std::fs::read_dir(dir.join("character-map-knowledge"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| Some((e.path(), e.metadata().ok()?.modified().ok()?)));
        WorldDataSeeds {
            dir: dir.to_path_buf(),
            commodities,
            catalog,
            read: Mutex::new(knowledge.collect()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn commodities(&self) -> &CommodityNames {
        &self.commodities
    }

    /// Writes a file of the directory (pretty, through a temporary file and a rename, as that
    /// release does) and remembers it as read: the server's own write is not a change to seed
    /// from. A write that fails is logged; the store already has the change.
    pub fn write(&self, path: &Path, value: &Value) {
        let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        let tmp = path.with_extension("json.tmp");
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
                std::fs::write(&tmp, text)
            })
            .and_then(|()| std::fs::rename(&tmp, path))
            .and_then(|()| std::fs::metadata(path)?.modified());
        match written {
            Ok(modified) => {
                read.insert(path.to_path_buf(), modified);
            }
            Err(e) => tracing::warn!(path = %path.display(), error = %e, "world file not written"),
        }
    }

    /// The file's text if it exists and changed since it was last read.
    fn changed(&self, path: &Path) -> Option<String> {
        self.read_file(path, true)
    }

    /// The file's text if it exists (and, with `only_changed`, changed since it was last read or
    /// written here); it counts as read from now.
    fn read_file(&self, path: &Path, only_changed: bool) -> Option<String> {
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
        let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        if only_changed && read.get(path) == Some(&modified) {
            return None;
        }
        let text = std::fs::read_to_string(path).ok()?;
        read.insert(path.to_path_buf(), modified);
        Some(text)
    }

    /// A ship of `ships.json` and the credits aboard.
    fn ship(&self, ship_id: &str) -> Option<ShipRecord> {
        // ships.json is read whenever a seeded character needs it (it holds many ships).
        read_ship_records(&self.dir).remove(ship_id)
    }
}

impl SeedFiles for WorldDataSeeds {
    fn delete_characters(&self, patterns: &[String]) -> usize {
        let Ok(entries) = std::fs::read_dir(self.dir.join("character-map-knowledge")) else {
            return 0;
        };
        let mut deleted = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let matches =
                name.ends_with(".json") && patterns.iter().any(|p| name.contains(p.as_str()));
            if matches && std::fs::remove_file(entry.path()).is_ok() {
                deleted += 1;
            }
        }
        deleted
    }

    fn delete_character(&self, id: &str) {
        let path = self
            .dir
            .join("character-map-knowledge")
            .join(format!("{}.json", safe_file_name(id)));
        let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        if std::fs::remove_file(&path).is_ok() {
            read.remove(&path);
        }
    }

    fn truncate_event_log(&self) {
        let log = self.dir.join(super::event_log::FILE);
        if log.exists()
            && let Err(e) = std::fs::write(&log, "")
        {
            tracing::warn!(error = %e, path = %log.display(), "could not empty the event log");
        }
    }

    fn forget(&self) {
        // Registrations stay: the suite writes characters.json once, before the server starts.
        let registry = self.dir.join("characters.json");
        self.read
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|path, _| *path == registry);
    }

    fn registrations(&self) -> Vec<(String, String)> {
        let Some(text) = self.changed(&self.dir.join("characters.json")) else {
            return Vec::new();
        };
        let Ok(file) = serde_json::from_str::<RegistryFile>(&text) else {
            tracing::warn!("characters.json is not a registry; ignored");
            return Vec::new();
        };
        file.characters
            .into_iter()
            .map(|(id, entry)| {
                let name = entry
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or(&id)
                    .to_string();
                (id, name)
            })
            .collect()
    }

    fn character(&self, id: &str, known: bool) -> Option<SeededCharacter> {
        let path = self
            .dir
            .join("character-map-knowledge")
            .join(format!("{}.json", safe_file_name(id)));
        let text = self.read_file(&path, known)?;
        let file: KnowledgeFile = serde_json::from_str(&text).ok()?;
        let ship_id = file.current_ship_id.clone();
        let record = ship_id.as_deref().and_then(|s| self.ship(s));
        let ship = record
            .as_ref()
            .and_then(|r| r.ship(self.catalog, &self.commodities));
        let aboard = record.as_ref().and_then(|r| r.state.credits);
        let ship_name = record.and_then(|r| r.name);
        let credits = aboard
            .or(file.credits)
            .unwrap_or(bang_components::character::STARTING_CREDITS);
        let visited = file
            .sectors_visited
            .into_iter()
            .filter_map(|(k, v)| Some((k.parse().ok()?, v.adjacent_sectors)))
            .collect();
        Some(SeededCharacter {
            sector: file.current_sector.unwrap_or(0),
            ship_id,
            ship: ship.unwrap_or_else(|| Ship::new(ShipType::DEFAULT, self.catalog)),
            ship_name,
            credits: credits.max(0),
            bank: file.credits_in_bank.max(0),
            visited,
        })
    }
}
