//! The store's place in the schedule: restore the World at start, then, every update, collect
//! what changed and hand it to the writer thread together with the update's outgoing frames,
//! which leave only once the changes are committed.

use super::action_log::{ActionLogFiles, LogEntry};
use super::retention::{Retention, schedule_pruning};
use super::writer::{AfterCommit, Batch, Writer};
use super::{Changes, CharacterRow, EncounterRow, PendingActionRow, Store};
use bang_components::balance::Balance;
use bang_components::character::{
    CharacterId, CharacterIndex, Credits, LastActive, MapKnowledge, Position, SectorOccupants,
    Ship, WorldOrder,
};
use bang_components::chat::ChatLog;
use bang_components::combat::{
    Encounter, EncounterIndex, Garrison, GarrisonIndex, InCombat, Salvage, SalvageIndex,
};
use bang_components::economy::PortStates;
use bang_components::messages::{ActionLogged, ChatRecorded};
use bang_components::time::{GameClock, Timestamp};
use bang_components::universe::UniverseRes;
use bang_systems::combat::CombatUnsaved;
use bang_systems::{FlushSystems, PersistSystems};
use bevy_app::prelude::*;
use bevy_ecs::prelude::*;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::Mutex;

/// The open store and the action log's files until the first update hands them to the writer
/// thread (restoring the World reads them first). A mutex only because resources must be `Sync`.
#[derive(Resource)]
pub struct StoreRes(pub Mutex<Option<(Store, ActionLogFiles)>>);

/// The writer thread, once started.
#[derive(Resource, Default)]
pub struct StoreWriter(Option<Writer>);

/// What identifies this server run in the action log's `session_id`s.
#[derive(Resource)]
pub struct ActionLogRes {
    /// Distinguishes connection numbers of different runs: `ws_{boot}_{conn}`.
    pub boot: String,
}

/// This update's changes, not yet handed to the writer.
#[derive(Resource, Default)]
pub struct Unsubmitted(pub(crate) Changes);

/// What must wait for this update's commit (the network's deliveries), in order.
#[derive(Resource, Default)]
pub struct AfterCommitQueue(pub Vec<AfterCommit>);

/// Set when a commit failed: nothing more may be acknowledged, and the server stops.
#[derive(Resource, Debug, Default)]
pub struct StoreFailed(pub Option<String>);

pub struct StorePlugin {
    parts: Mutex<Option<(Store, ActionLogFiles)>>,
    boot: String,
    retention: Retention,
}

impl StorePlugin {
    /// `log_dir` holds the action log's JSONL files; `boot` names this run.
    pub fn new(
        store: Store,
        log_dir: &std::path::Path,
        boot: String,
        retention: Retention,
    ) -> std::io::Result<StorePlugin> {
        let files = ActionLogFiles::open(log_dir)?;
        Ok(StorePlugin {
            parts: Mutex::new(Some((store, files))),
            boot,
            retention,
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
        app.insert_resource(StoreRes(Mutex::new(Some((store, files)))))
            .insert_resource(ActionLogRes {
                boot: self.boot.clone(),
            })
            .init_resource::<StoreFailed>()
            .init_resource::<StoreWriter>()
            .init_resource::<Unsubmitted>()
            .init_resource::<AfterCommitQueue>()
            .add_systems(PostUpdate, submit_update.after(FlushSystems))
            // Empty after a restart: a restored fight's next save rewrites its rounds once.
            .init_resource::<SavedRounds>()
            .add_systems(PostUpdate, persist_changes.in_set(PersistSystems))
            .insert_resource(self.retention.clone())
            .add_systems(
                PostUpdate,
                schedule_pruning.after(PersistSystems).before(submit_update),
            );
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

/// The update's action log entries and chat messages.
#[derive(bevy_ecs::system::SystemParam)]
pub struct Journal<'w, 's> {
    actions: MessageReader<'w, 's, ActionLogged>,
    chat: MessageReader<'w, 's, ChatRecorded>,
}

/// Combat state the store saves by key.
#[derive(bevy_ecs::system::SystemParam)]
pub struct CombatState<'w, 's> {
    unsaved: ResMut<'w, CombatUnsaved>,
    garrison_index: Res<'w, GarrisonIndex>,
    salvage_index: Res<'w, SalvageIndex>,
    encounter_index: Res<'w, EncounterIndex>,
    garrisons: Query<'w, 's, &'static Garrison>,
    salvage: Query<'w, 's, &'static Salvage>,
    encounters: Query<'w, 's, &'static Encounter>,
    saved_rounds: ResMut<'w, SavedRounds>,
}

/// How many round logs of each active encounter are already in the store: saving a fight writes
/// only the rounds resolved since.
#[derive(Resource, Debug, Default)]
pub struct SavedRounds(HashMap<String, usize>);

impl CombatState<'_, '_> {
    /// A fight that is still going (an ended one is deleted from the store, not saved).
    fn live_encounter(&self, combat_id: &str) -> Option<&Encounter> {
        self.encounter_index
            .by_id
            .get(combat_id)
            .and_then(|e| self.encounters.get(*e).ok())
            .filter(|e| !e.ended)
    }

    /// Turns the unsaved keys into rows to write (present) or delete (gone, or an ended fight).
    fn collect(&mut self, changes: &mut Changes) {
        let unsaved = self.unsaved.bypass_change_detection();
        let mut sectors: Vec<u32> = unsaved.garrisons.drain(..).collect();
        sectors.sort_unstable();
        sectors.dedup();
        for sector in sectors {
            let g = self
                .garrison_index
                .by_sector
                .get(&sector)
                .and_then(|e| self.garrisons.get(*e).ok())
                .cloned();
            changes.garrisons.push((sector, g));
        }
        let mut ids: Vec<String> = unsaved.salvage.drain(..).collect();
        ids.sort();
        ids.dedup();
        for id in ids {
            let s = self
                .salvage_index
                .by_id
                .get(&id)
                .and_then(|e| self.salvage.get(*e).ok())
                .cloned();
            changes.salvage.push((id, s));
        }
        let mut ids: Vec<String> = unsaved.encounters.drain(..).collect();
        ids.sort();
        ids.dedup();
        // A fight saved whole already carries its pending actions.
        let mut actions: Vec<(String, String)> = unsaved
            .actions
            .drain(..)
            .filter(|(combat, _)| ids.binary_search(combat).is_err())
            .collect();
        actions.sort();
        actions.dedup();
        for (combat_id, participant) in actions {
            let Some(e) = self.live_encounter(&combat_id) else {
                continue;
            };
            if let Some(a) = e.pending.get(&participant) {
                changes.encounter_actions.push(PendingActionRow {
                    round: e.round,
                    action: to_json(a),
                    combat_id,
                    participant,
                });
            }
        }
        for id in ids {
            let saved = self.saved_rounds.0.get(&id).copied().unwrap_or(0);
            let row = self.live_encounter(&id).map(|e| {
                let new_rounds = e
                    .logs
                    .iter()
                    .enumerate()
                    .skip(saved)
                    .map(|(i, log)| (i, to_json(log)))
                    .collect();
                let row = EncounterRow {
                    state: to_json(e),
                    new_rounds,
                };
                (row, e.logs.len())
            });
            let row = match row {
                Some((row, rounds)) => {
                    self.saved_rounds.0.insert(id.clone(), rounds);
                    Some(row)
                }
                None => {
                    self.saved_rounds.0.remove(&id);
                    None
                }
            };
            changes.encounters.push((id, row));
        }
    }
}

/// Combat state as stored: plain data, so serialising it cannot fail.
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("combat state serialises")
}

/// Collects everything this update changed (characters, visits, ports, combat state, action log
/// and chat entries) for `submit_update` to hand to the writer.
pub fn persist_changes(
    mut characters: Query<StoredParts, ChangedCharacter>,
    mut ports: ResMut<PortStates>,
    mut journal: Journal,
    mut combat: CombatState,
    log: Res<ActionLogRes>,
    failed: Res<StoreFailed>,
    mut unsubmitted: ResMut<Unsubmitted>,
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
    for a in journal.actions.read() {
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
    changes
        .chat
        .extend(journal.chat.read().map(|c| c.0.clone()));
    combat.collect(&mut changes);
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
    unsubmitted.0.extend(changes);
}

/// Hands the update's changes and its deliveries to the writer thread (started on first use,
/// after the World was restored from the store).
pub fn submit_update(
    store: Res<StoreRes>,
    mut writer: ResMut<StoreWriter>,
    mut unsubmitted: ResMut<Unsubmitted>,
    mut after: ResMut<AfterCommitQueue>,
    mut failed: ResMut<StoreFailed>,
    metrics: Option<Res<crate::metrics::MetricsRes>>,
) {
    if let Some(reason) = writer.0.as_ref().and_then(Writer::failure) {
        failed.0 = Some(reason);
    }
    if failed.0.is_some() {
        after.0.clear();
        return;
    }
    let changes = std::mem::take(&mut unsubmitted.0);
    let then = std::mem::take(&mut after.0);
    if changes.is_empty() && then.is_empty() {
        return;
    }
    if writer.0.is_none() {
        let Some((store, files)) = store.0.lock().expect("store lock").take() else {
            failed.0 = Some("the store is gone".into());
            return;
        };
        match Writer::start(store, files, metrics.map(|m| m.0.clone())) {
            Ok(w) => writer.0 = Some(w),
            Err(e) => {
                failed.0 = Some(format!("cannot start the store writer: {e}"));
                return;
            }
        }
    }
    let w = writer.0.as_ref().expect("started above");
    let batch = Batch {
        changes,
        then,
        queued: std::time::Instant::now(),
    };
    if let Err(reason) = w.submit(batch) {
        failed.0 = Some(reason);
    }
}

/// Why the stored world could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("the store was already handed to its writer")]
    StoreTaken,
    #[error("reading the store: {0}")]
    Read(#[from] rusqlite::Error),
    #[error("action log files: {0}")]
    ActionLogFiles(#[from] std::io::Error),
    #[error(
        "the data directory belongs to a universe of {stored} sectors, but the world data has \
         {count}; point --data at another directory or --world-data at the universe it was made with"
    )]
    OtherUniverse { stored: String, count: u32 },
    #[error("stored port in sector {0}, which has no port")]
    PortWithoutPort(u32),
    #[error("character {id} is in sector {sector}, outside this universe")]
    CharacterOutside { id: String, sector: u32 },
}

/// Loads every stored character and port into a fresh World. Fails if the data directory was
/// made with a different universe (a character in a sector that does not exist).
pub fn restore_world(world: &mut World) -> Result<usize, RestoreError> {
    let (rows, ports, last_chat, combat) = {
        let parts = world.resource::<StoreRes>();
        let mut parts = parts.0.lock().expect("store lock");
        let Some((store, files)) = parts.as_mut() else {
            return Err(RestoreError::StoreTaken);
        };
        // Bring the action log files up to date with the table (after a crash they may lag).
        let missing = store.actions_after(files.last_seq)?;
        files.append(&missing)?;
        if !missing.is_empty() {
            tracing::info!(
                entries = missing.len(),
                "action log files caught up with the store"
            );
        }
        let count = world.resource::<UniverseRes>().sector_count();
        match store.meta("sector_count")? {
            Some(stored) if stored != count.to_string() => {
                return Err(RestoreError::OtherUniverse { stored, count });
            }
            Some(_) => {}
            None => store.set_meta("sector_count", &count.to_string())?,
        }
        (
            store.load_characters()?,
            store.load_ports()?,
            store.last_chat_id()?,
            store.load_combat()?,
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
            None => return Err(RestoreError::PortWithoutPort(sector)),
        }
    }
    let count = rows.len();
    for row in rows {
        if !universe.contains(row.sector as i64) {
            return Err(RestoreError::CharacterOutside {
                id: row.id,
                sector: row.sector,
            });
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
    restore_combat(world, combat);
    Ok(count)
}

/// Puts garrisons, salvage and active fights back. A fight's open round gets a fresh deadline:
/// its players could not act while the server was down.
fn restore_combat(
    world: &mut World,
    (garrisons, salvage, encounters): (Vec<Garrison>, Vec<Salvage>, Vec<Encounter>),
) {
    for g in garrisons {
        let sector = g.sector;
        let e = world.spawn(g).id();
        world
            .resource_mut::<GarrisonIndex>()
            .by_sector
            .insert(sector, e);
    }
    for s in salvage {
        let id = s.salvage_id.clone();
        let e = world.spawn(s).id();
        world.resource_mut::<SalvageIndex>().by_id.insert(id, e);
    }
    let now = world.resource::<GameClock>().now();
    let timeout = world.resource::<Balance>().combat.round_timeout_secs;
    let fresh = Timestamp(now.0 + (timeout * 1_000_000.0) as i64);
    for mut enc in encounters {
        if enc.deadline < fresh {
            enc.deadline = fresh;
        }
        let ids: Vec<String> = enc.participants.iter().map(|p| p.id.clone()).collect();
        let (sector, combat_id) = (enc.sector, enc.combat_id.clone());
        let e = world.spawn(enc).id();
        let mut index = world.resource_mut::<EncounterIndex>();
        index.by_sector.insert(sector, e);
        index.by_id.insert(combat_id, e);
        for id in ids {
            if let Some(c) = world.resource::<CharacterIndex>().get(&id) {
                world.entity_mut(c).insert(InCombat(e));
            }
        }
    }
}
