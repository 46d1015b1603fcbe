//! The store's place in the schedule: restore the World at start, then, every update, collect
//! what changed and commit it before the update's frames are flushed.

use super::action_log::{ActionLogFiles, LogEntry};
use super::{Changes, CharacterRow, Store};
use bang_components::character::{
    CharacterId, CharacterIndex, Credits, LastActive, MapKnowledge, Position, SectorOccupants,
    Ship, WorldOrder,
};
use bang_components::chat::ChatLog;
use bang_components::economy::PortStates;
use bang_components::messages::{ActionLogged, ChatRecorded};
use bang_components::universe::UniverseRes;
use bang_systems::PersistSystems;
use bevy_app::prelude::*;
use bevy_ecs::prelude::*;
use serde_json::value::RawValue;
use std::sync::Mutex;

/// The open store. A mutex only because resources must be `Sync`; only the ECS thread uses it.
#[derive(Resource)]
pub struct StoreRes(pub Mutex<Store>);

/// The action log's files, and what identifies this server run in `session_id`s.
#[derive(Resource)]
pub struct ActionLogRes {
    pub files: Mutex<ActionLogFiles>,
    /// Distinguishes connection numbers of different runs: `ws_{boot}_{conn}`.
    pub boot: String,
}

/// Set when a commit failed: nothing more may be acknowledged, and the server stops.
#[derive(Resource, Debug, Default)]
pub struct StoreFailed(pub Option<String>);

pub struct StorePlugin {
    parts: Mutex<Option<(Store, ActionLogFiles)>>,
    boot: String,
}

impl StorePlugin {
    /// `log_dir` holds the action log's JSONL files; `boot` names this run.
    pub fn new(
        store: Store,
        log_dir: &std::path::Path,
        boot: String,
    ) -> std::io::Result<StorePlugin> {
        let files = ActionLogFiles::open(log_dir)?;
        Ok(StorePlugin {
            parts: Mutex::new(Some((store, files))),
            boot,
        })
    }
}

impl Plugin for StorePlugin {
    fn build(&self, app: &mut App) {
        let (store, files) = self
            .parts
            .lock()
            .expect("store plugin lock")
            .take()
            .expect("StorePlugin is added once");
        app.insert_resource(StoreRes(Mutex::new(store)))
            .insert_resource(ActionLogRes {
                files: Mutex::new(files),
                boot: self.boot.clone(),
            })
            .init_resource::<StoreFailed>()
            .add_systems(PostUpdate, persist_changes.in_set(PersistSystems));
    }
}

type ChangedCharacter = Or<(
    Changed<Position>,
    Changed<Ship>,
    Changed<Credits>,
    Changed<LastActive>,
    Changed<MapKnowledge>,
    Added<WorldOrder>,
)>;

/// The stored parts of a character.
type StoredParts = (
    &'static CharacterId,
    &'static WorldOrder,
    &'static Position,
    &'static Ship,
    &'static Credits,
    &'static LastActive,
    &'static mut MapKnowledge,
);

/// Writes every character, visit and port changed in this update in one transaction.
pub fn persist_changes(
    mut characters: Query<StoredParts, ChangedCharacter>,
    mut ports: ResMut<PortStates>,
    mut actions: MessageReader<ActionLogged>,
    mut chat: MessageReader<ChatRecorded>,
    store: Res<StoreRes>,
    log: Res<ActionLogRes>,
    mut failed: ResMut<StoreFailed>,
) {
    if failed.0.is_some() {
        return;
    }
    let mut changes = Changes::default();
    let metadata = RawValue::from_string(format!(
        "{{\"server\":\"bang/{}\"}}",
        env!("CARGO_PKG_VERSION")
    ))
    .expect("metadata is JSON");
    for a in actions.read() {
        changes.actions.push(LogEntry {
            seq: 0,
            timestamp: a.timestamp,
            event_type: a.event_type.to_string(),
            actor_id: a.actor_id.clone(),
            session_id: a.conn.map(|c| format!("ws_{}_{}", log.boot, c.0)),
            data: a.data.clone(),
            result: a.result.to_string(),
            metadata: metadata.clone(),
        });
    }
    changes.chat.extend(chat.read().map(|c| c.0.clone()));
    for (id, order, position, ship, credits, last_active, mut knowledge) in &mut characters {
        // Draining the unsaved list is bookkeeping, not a change worth saving again.
        let knowledge = knowledge.bypass_change_detection();
        for sector in knowledge.unsaved.drain(..) {
            if let Some(v) = knowledge.visited.get(&sector) {
                changes.visits.push((id.0.clone(), sector, v.clone()));
            }
        }
        changes.characters.push(CharacterRow {
            id: id.0.clone(),
            order: *order,
            sector: position.0,
            ship: ship.clone(),
            credits: credits.0,
            last_active: last_active.0,
            knowledge: MapKnowledge {
                visited: Default::default(),
                first_visit: knowledge.first_visit,
                last_update: knowledge.last_update,
                unsaved: Vec::new(),
            },
        });
    }
    if !ports.unsaved.is_empty() {
        let ports = ports.bypass_change_detection();
        let mut sectors: Vec<u32> = ports.unsaved.drain(..).collect();
        sectors.sort_unstable();
        sectors.dedup();
        for sector in sectors {
            if let Some(p) = ports.get(sector) {
                changes.ports.push((sector, p.stock));
            }
        }
    }
    if changes.is_empty() {
        return;
    }
    let result = store.0.lock().expect("store lock").commit(&mut changes);
    if let Err(e) = result {
        tracing::error!(error = %e, "store commit failed; refusing to acknowledge anything more");
        failed.0 = Some(e.to_string());
        return;
    }
    // The files follow the table; if this write fails they catch up at the next start.
    if let Err(e) = log.files.lock().expect("log lock").append(&changes.actions) {
        tracing::error!(error = %e, "action log file write failed (the store has the entries)");
    }
}

/// Loads every stored character and port into a fresh World. Fails if the data directory was
/// made with a different universe (a character in a sector that does not exist).
pub fn restore_world(world: &mut World) -> Result<usize, String> {
    let (rows, ports, last_chat) = {
        let store = world.resource::<StoreRes>();
        let store = store.0.lock().expect("store lock");
        // Bring the action log files up to date with the table (after a crash they may lag).
        let mut files = world
            .resource::<ActionLogRes>()
            .files
            .lock()
            .expect("log lock");
        let missing = store
            .actions_after(files.last_seq)
            .map_err(|e| e.to_string())?;
        files
            .append(&missing)
            .map_err(|e| format!("action log files: {e}"))?;
        if !missing.is_empty() {
            tracing::info!(
                entries = missing.len(),
                "action log files caught up with the store"
            );
        }
        let count = world.resource::<UniverseRes>().sector_count();
        match store.meta("sector_count").map_err(|e| e.to_string())? {
            Some(stored) if stored != count.to_string() => {
                return Err(format!(
                    "the data directory belongs to a universe of {stored} sectors, but the world data has {count}; \
                     point --data at another directory or --world-data at the universe it was made with"
                ));
            }
            Some(_) => {}
            None => store
                .set_meta("sector_count", &count.to_string())
                .map_err(|e| e.to_string())?,
        }
        (
            store.load_characters().map_err(|e| e.to_string())?,
            store.load_ports().map_err(|e| e.to_string())?,
            store.last_chat_id().map_err(|e| e.to_string())?,
        )
    };
    world.insert_resource(ChatLog::starting_at(last_chat + 1));
    let universe = world.resource::<UniverseRes>().clone();
    for (sector, stock) in ports {
        let mut states = world.resource_mut::<PortStates>();
        match states
            .ports
            .get_mut(sector as usize)
            .and_then(|p| p.as_mut())
        {
            Some(port) => port.stock = stock,
            None => return Err(format!("stored port in sector {sector}, which has no port")),
        }
    }
    let count = rows.len();
    for row in rows {
        if !universe.contains(row.sector as i64) {
            return Err(format!(
                "character {} is in sector {}, outside this universe",
                row.id, row.sector
            ));
        }
        let entity = world
            .spawn((
                CharacterId(row.id.clone()),
                Position(row.sector),
                row.ship,
                Credits(row.credits),
                LastActive(row.last_active),
                row.knowledge,
                row.order,
            ))
            .id();
        world
            .resource_mut::<CharacterIndex>()
            .restore(row.id, entity, row.order);
        world
            .resource_mut::<SectorOccupants>()
            .enter(row.sector, row.order, entity);
    }
    Ok(count)
}
