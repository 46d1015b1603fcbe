//! `bang import`: move an existing reference world (its world-data directory) into bang's store:
//! character knowledge files, port states, garrisons, chat messages and the trade log; from the
//! 2026-01 release's directories also ships, bank balances and the registry (`release_2026`).

mod release_2026;

use crate::store::action_log::LogEntry;
use crate::store::{Changes, CharacterRow, Durability, Store};
use bang_components::api::events::ChatMessage;
use bang_components::api::fields::MAX_ID_LEN;
use bang_components::api::payloads::PortSnapshot;
use bang_components::character::{MapKnowledge, Ship, Visit, WorldOrder};
use bang_components::combat::{Garrison, GarrisonMode};
use bang_components::ships::{ShipCatalog, ShipType};
use bang_components::time::Timestamp;
use bang_components::universe::{Planet, Universe};
use release_2026::Release2026Files;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why an import failed, or why one of its records was left out (the summary lists those).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    // The import as a whole.
    #[error("cannot open the store in {}: {source}", path.display())]
    OpenStore {
        path: PathBuf,
        source: crate::store::StoreError,
    },
    #[error("the store in {}: {source}", path.display())]
    Store {
        path: PathBuf,
        source: crate::store::StoreError,
    },
    #[error("{} already holds characters: import into an empty data directory", .0.display())]
    NotEmpty(PathBuf),

    // One record, left out.
    #[error("{0}")]
    Read(#[from] std::io::Error),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("no current_sector (never finished a join)")]
    NoCurrentSector,
    #[error("current_sector {0} is outside this universe")]
    SectorOutside(i64),
    #[error("unknown ship type {0:?}")]
    UnknownShipType(String),
    #[error("ship {0:?} is not in ships.json")]
    UnknownShip(String),
    /// A trade log line without this field.
    #[error("no {0}")]
    Missing(&'static str),
    /// A character id others could not safely be shown (`check_name`).
    #[error("{0}")]
    BadName(String),
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub characters: usize,
    pub ports: usize,
    pub garrisons: usize,
    pub messages: usize,
    /// Trades and warp-power purchases from the trade log, now action-log entries.
    pub trades: usize,
    /// Registered characters and unowned ships (a 2026-01 directory).
    pub registered: usize,
    pub unowned_ships: usize,
    /// Files or records left out, with the reason.
    pub skipped: Vec<String>,
}

#[derive(Deserialize)]
struct KnowledgeFile {
    character_id: String,
    #[serde(default)]
    sectors_visited: BTreeMap<String, VisitFile>,
    #[serde(default)]
    first_visit: Option<String>,
    #[serde(default)]
    last_update: Option<String>,
    #[serde(default)]
    ship_config: Option<ShipConfigFile>,
    #[serde(default)]
    credits: Option<Value>,
    #[serde(default)]
    current_sector: Option<i64>,
    #[serde(default)]
    current_ship_id: Option<String>,
    #[serde(default)]
    credits_in_bank: Option<Value>,
}

#[derive(Deserialize)]
struct VisitFile {
    #[serde(default)]
    last_visited: Option<String>,
    #[serde(default)]
    port: Option<PortSnapshot>,
    #[serde(default)]
    planets: Vec<Planet>,
    #[serde(default)]
    adjacent_sectors: Vec<u32>,
}

#[derive(Deserialize)]
struct ShipConfigFile {
    ship_type: String,
    #[serde(default)]
    cargo: BTreeMap<String, Value>,
    #[serde(default)]
    current_warp_power: Option<Value>,
    #[serde(default)]
    current_shields: Option<Value>,
    #[serde(default)]
    current_fighters: Option<Value>,
}

/// The reference coerced numbers leniently (`"500"` loads as 500); so does the import.
pub(crate) fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn ts(text: &Option<String>) -> Option<Timestamp> {
    text.as_deref().and_then(Timestamp::parse)
}

fn character(
    file: KnowledgeFile,
    order: u64,
    universe: &Universe,
    release: Option<&Release2026Files>,
) -> Result<CharacterRow, ImportError> {
    let id = Some(file.character_id.clone());
    bang_components::api::fields::check_name("character_id", &id, MAX_ID_LEN)
        .map_err(ImportError::BadName)?;
    let sector = file.current_sector.ok_or(ImportError::NoCurrentSector)?;
    if !universe.contains(sector) {
        return Err(ImportError::SectorOutside(sector));
    }
    // The release keeps a character's ship (and the credits aboard) in ships.json.
    let (mut credits, mut extras) = (int(file.credits.as_ref()), None);
    let release_ship = match (release, file.ship_config.is_none(), &file.current_ship_id) {
        (Some(r), true, Some(id)) => {
            let (ship, aboard) = r.ship(id, universe)?;
            credits = aboard.or(credits);
            extras = Some(release_2026::extras(r, id, file.credits_in_bank.as_ref()));
            Some(ship)
        }
        _ => None,
    };
    let ship = match file.ship_config {
        _ if release_ship.is_some() => release_ship.expect("checked"),
        None => Ship::new(ShipType::DEFAULT, ShipCatalog::Seed),
        Some(cfg) => {
            let ship_type = ShipType::parse_requested(&cfg.ship_type)
                .ok_or_else(|| ImportError::UnknownShipType(cfg.ship_type.clone()))?;
            let stats = ship_type.stats();
            let mut ship = Ship::new(ship_type, ShipCatalog::Seed);
            for (i, key) in ["fuel_ore", "organics", "equipment"].iter().enumerate() {
                ship.cargo[i] = int(cfg.cargo.get(*key)).unwrap_or(0).max(0);
            }
            // Hand-edited files could exceed the hull (the reference never clamped): clamp here.
            ship.warp_power = int(cfg.current_warp_power.as_ref())
                .unwrap_or(stats.warp_power_capacity as i64)
                .clamp(0, stats.warp_power_capacity as i64);
            ship.shields = int(cfg.current_shields.as_ref())
                .unwrap_or(stats.max_shields as i64)
                .clamp(0, stats.max_shields as i64);
            ship.fighters = int(cfg.current_fighters.as_ref())
                .unwrap_or(stats.max_fighters as i64)
                .clamp(0, stats.max_fighters as i64);
            ship
        }
    };
    let mut knowledge = MapKnowledge::restored(
        Default::default(),
        ts(&file.first_visit),
        ts(&file.last_update),
    );
    for (key, v) in file.sectors_visited {
        let Ok(id) = key.parse::<u32>() else { continue };
        if !universe.contains(id as i64) {
            continue;
        }
        let visit = Visit {
            last_visited: ts(&v.last_visited).unwrap_or_default(),
            port: v.port,
            planets: v.planets,
            adjacent: v.adjacent_sectors,
        };
        knowledge.insert_visit(id, visit);
    }
    Ok(CharacterRow {
        id: file.character_id,
        order: WorldOrder(order),
        sector: sector as u32,
        ship,
        credits: credits.unwrap_or(1000).max(0),
        last_active: ts(&file.last_update).unwrap_or_default(),
        knowledge,
        trade_volume: 0,
        extras,
    })
}

/// One line of the reference's trade log as the action-log entry bang writes for that action:
/// `trade.executed`, or `warp.purchased` for warp power.
fn trade_entry(line: &str) -> Result<LogEntry, ImportError> {
    let v: Value = serde_json::from_str(line).map_err(ImportError::NotJson)?;
    let field = |name: &'static str| int(v.get(name)).ok_or(ImportError::Missing(name));
    let text = |name: &'static str| v[name].as_str().ok_or(ImportError::Missing(name));
    let timestamp = text("timestamp")
        .ok()
        .and_then(Timestamp::parse)
        .ok_or(ImportError::Missing("timestamp"))?;
    let actor = text("character_id")?;
    let commodity = text("commodity")?;
    let (event_type, data) = if commodity == "warp_power" {
        let data = serde_json::json!({
            "sector": field("sector")?, "units": field("quantity")?,
            "price_per_unit": field("price_per_unit")?, "total_cost": field("total_price")?,
        });
        ("warp.purchased", data)
    } else {
        let trade_type = text("trade_type")?;
        let data = serde_json::json!({
            "sector": field("sector")?, "commodity": commodity, "quantity": field("quantity")?,
            "trade_type": trade_type, "price_per_unit": field("price_per_unit")?,
            "total_price": field("total_price")?, "credits_after": field("credits_after")?,
        });
        ("trade.executed", data)
    };
    let raw = |v: Value| serde_json::value::to_raw_value(&v);
    Ok(LogEntry {
        seq: 0,
        timestamp,
        event_type: event_type.to_string(),
        actor_id: Some(actor.to_string()),
        session_id: None,
        data: raw(data)?,
        result: "success".to_string(),
        metadata: raw(serde_json::json!({
            "server": format!("bang/{}", env!("CARGO_PKG_VERSION")),
            "imported_from": "trade_history.jsonl",
        }))?,
    })
}

fn read_json(path: &Path) -> Result<Value, ImportError> {
    let text = std::fs::read_to_string(path)?;
    Ok(serde_json::from_str(&text)?)
}

/// Imports `from` (a reference world-data directory) into the store in `data`, checking every
/// record against `universe`. Refuses a data directory that already holds characters.
/// `trade_log` is the reference's `trade_history.jsonl` (which it writes to its repository's
/// `world-data/` whatever its `WORLD_DATA_DIR`); a missing file is no error.
pub fn import(
    from: &Path,
    data: &Path,
    universe: &Universe,
    trade_log: &Path,
) -> Result<ImportSummary, ImportError> {
    let mut store =
        Store::open(data, Durability::Full).map_err(|source| ImportError::OpenStore {
            path: data.to_path_buf(),
            source,
        })?;
    let in_store = |source| ImportError::Store {
        path: data.to_path_buf(),
        source,
    };
    if !store
        .load_characters(ShipCatalog::Seed)
        .map_err(in_store)?
        .is_empty()
    {
        return Err(ImportError::NotEmpty(data.to_path_buf()));
    }
    store
        .set_meta("sector_count", &universe.sector_count().to_string())
        .map_err(in_store)?;
    let mut summary = ImportSummary::default();
    let mut changes = Changes::default();
    let skipped = &mut summary.skipped;
    let release = Release2026Files::read(from);
    import_characters(from, universe, release.as_ref(), &mut changes, skipped);
    if let Some(r) = &release {
        r.unowned(universe, &mut changes, skipped);
        release_2026::import_registry(from, &mut changes, skipped);
    }
    import_ports(from, universe, &mut changes, skipped);
    import_garrisons(from, universe, &mut changes, skipped);
    changes.chat = import_chat(from, skipped);
    import_trades(trade_log, &mut changes, skipped);
    summary.characters = changes.characters.len();
    summary.ports = changes.ports.len();
    summary.garrisons = changes.garrisons.len();
    summary.messages = changes.chat.len();
    summary.trades = changes.actions.len();
    summary.registered = changes.registry.len();
    summary.unowned_ships = changes.unowned_ships.len();

    store.commit(&mut changes).map_err(in_store)?;
    Ok(summary)
}

/// Characters, in file-name order (the reference's world order), each with the visits of its
/// map knowledge; a character already read from another file is left out.
fn import_characters(
    from: &Path,
    universe: &Universe,
    release: Option<&Release2026Files>,
    changes: &mut Changes,
    skipped: &mut Vec<String>,
) {
    let dir = from.join("character-map-knowledge");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "json"));
    files.sort();
    // Look-alike key → the id first read with it (files in name order).
    let mut seen = std::collections::HashMap::new();
    for path in files {
        let name = path.display().to_string();
        let parsed: Result<KnowledgeFile, ImportError> =
            read_json(&path).and_then(|v| Ok(serde_json::from_value(v)?));
        let order = changes.characters.len() as u64;
        let row = match parsed.and_then(|f| character(f, order, universe, release)) {
            Ok(row) => row,
            Err(e) => {
                skipped.push(format!("{name}: {e}"));
                continue;
            }
        };
        let key = bang_components::names::name_key(&row.id);
        match seen.get(&key) {
            Some(first) if *first == row.id => {
                skipped.push(format!("{name}: duplicate character {}", row.id));
            }
            Some(first) => skipped.push(format!(
                "{name}: character {} looks like character {first}, read before it",
                row.id
            )),
            None => {
                seen.insert(key, row.id.clone());
                for (&sector, visit) in row.knowledge.visited() {
                    changes.visits.push((row.id.clone(), sector, visit.clone()));
                }
                changes.characters.push(row);
            }
        }
    }
}

/// Port stocks, clamped to what each port in this universe can hold; a port the universe
/// does not have is left out.
fn import_ports(
    from: &Path,
    universe: &Universe,
    changes: &mut Changes,
    skipped: &mut Vec<String>,
) {
    if let Ok(entries) = std::fs::read_dir(from.join("port-states")) {
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let v = match read_json(&path) {
                Ok(v) => v,
                Err(e) => {
                    skipped.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            let sector = int(v.get("sector_id")).unwrap_or(-1);
            let port = universe
                .contains(sector)
                .then(|| universe.sector(sector as u32).port.as_ref())
                .flatten();
            let Some(port) = port else {
                skipped.push(format!(
                    "{}: sector {sector} has no port in this universe",
                    path.display()
                ));
                continue;
            };
            let mut stock = [0i64; 3];
            for (i, key) in ["FO", "OG", "EQ"].iter().enumerate() {
                stock[i] = int(v["stock"].get(*key))
                    .unwrap_or(port.stock[i])
                    .clamp(0, port.max_capacity[i]);
            }
            changes.ports.push((sector as u32, stock));
        }
    }
}

/// Garrisons in sectors of this universe; an empty one (no fighters) is dropped.
fn import_garrisons(
    from: &Path,
    universe: &Universe,
    changes: &mut Changes,
    skipped: &mut Vec<String>,
) {
    if let Ok(doc) = read_json(&from.join("sector_garrisons.json")) {
        for s in doc["sectors"].as_array().into_iter().flatten() {
            let sector = int(s.get("sector")).unwrap_or(-1);
            if !universe.contains(sector) {
                skipped.push(format!(
                    "garrison in sector {sector}: outside this universe"
                ));
                continue;
            }
            // One owner per sector in bang: the first listed garrison wins.
            if let Some(g) = s["garrisons"].as_array().and_then(|g| g.first()) {
                let mode = g["mode"]
                    .as_str()
                    .and_then(GarrisonMode::parse)
                    .unwrap_or(GarrisonMode::Offensive);
                let fighters = int(g.get("fighters")).unwrap_or(0);
                if fighters <= 0 {
                    continue;
                }
                let garrison = Garrison {
                    sector: sector as u32,
                    owner: g["owner_id"].as_str().unwrap_or_default().to_string(),
                    fighters,
                    mode,
                    toll_amount: int(g.get("toll_amount")).unwrap_or(0).max(0),
                    toll_balance: int(g.get("toll_balance")).unwrap_or(0).max(0),
                    deployed_at: g["deployed_at"]
                        .as_str()
                        .and_then(Timestamp::parse)
                        .unwrap_or_default(),
                };
                changes.garrisons.push((sector as u32, Some(garrison)));
            }
        }
    }
}

/// Chat history: the broadcast log and every inbox, by id (a message found in several files
/// is kept once, as first read), in id order.
fn import_chat(from: &Path, skipped: &mut Vec<String>) -> Vec<ChatMessage> {
    let mut messages: BTreeMap<i64, ChatMessage> = BTreeMap::new();
    let mut logs = vec![from.join("messages/broadcast.jsonl")];
    if let Ok(entries) = std::fs::read_dir(from.join("messages/inbox")) {
        let mut inboxes: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        inboxes.sort();
        logs.extend(inboxes);
    }
    for log in logs {
        let Ok(text) = std::fs::read_to_string(&log) else {
            continue;
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(v) = serde_json::from_str::<Value>(line) else {
                skipped.push(format!("{}: unreadable line", log.display()));
                continue;
            };
            let (Some(id), Some(ts)) = (
                int(v.get("id")),
                v["timestamp"].as_str().and_then(Timestamp::parse),
            ) else {
                continue;
            };
            messages.entry(id).or_insert(ChatMessage {
                id,
                timestamp: ts,
                message_type: v["type"].as_str().unwrap_or("broadcast").to_string(),
                from_name: v["from_name"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v["from_name"].to_string()),
                content: v["content"].as_str().unwrap_or_default().to_string(),
                to_name: v["to_name"].as_str().map(str::to_string),
            });
        }
    }
    messages.into_values().collect()
}

/// The trade log, as the action-log entries bang writes for the same actions. The store
/// numbers them; the log files get them at the server's first start.
fn import_trades(trade_log: &Path, changes: &mut Changes, skipped: &mut Vec<String>) {
    if let Ok(text) = std::fs::read_to_string(trade_log) {
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match trade_entry(line) {
                Ok(entry) => changes.actions.push(entry),
                Err(e) => skipped.push(format!("{} line {}: {e}", trade_log.display(), n + 1)),
            }
        }
    }
}
