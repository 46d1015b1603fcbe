//! The store's place in the schedule: restore the World at start, then, every update, collect
//! what changed and hand it to the writer thread together with the update's outgoing frames,
//! which leave only once the changes are committed.

use super::action_log::{ActionLogFiles, LogEntry};
use super::retention::{Retention, schedule_pruning};
use super::writer::{AfterCommit, Batch, CommitObserver, Followers, StoreWriteError, Writer};
use super::{
    Changes, CharacterExtras, CharacterRow, EncounterRow, PendingActionRow, Store,
    StoredEncounterRef,
};
use bang_components::character::{
    Bank, CharacterId, Credits, LastActive, MapKnowledge, Position, Ship, ShipId, ShipName,
    TradeVolume, WorldOrder,
};
use bang_components::combat::{Encounter, Garrison, PendingActions, Salvage};
use bang_components::economy::PortStates;
use bang_components::messages::{ActionLogged, ChatRecorded};
use bang_components::universe::SectorId;
use bang_systems::{FlushSystems, PersistSystems};
use bevy_app::prelude::*;
use bevy_ecs::prelude::*;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
pub struct StoreFailed(pub Option<StoreWriteError>);

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
    Changed<ShipId>,
    Changed<Bank>,
    Changed<ShipName>,
    Changed<TradeVolume>,
)>;

/// The stored parts of a character.
type StoredParts = (
    Entity,
    &'static CharacterId,
    &'static WorldOrder,
    &'static Position,
    &'static Ship,
    &'static Credits,
    &'static LastActive,
    &'static mut MapKnowledge,
    Option<&'static ShipId>,
    Option<&'static Bank>,
    Option<&'static ShipName>,
    Option<&'static TradeVolume>,
);

/// The update's action log entries and chat messages.
#[derive(bevy_ecs::system::SystemParam)]
pub struct Journal<'w, 's> {
    actions: MessageReader<'w, 's, ActionLogged>,
    chat: MessageReader<'w, 's, ChatRecorded>,
    told: MessageReader<'w, 's, bang_components::history::EventTold>,
    cleared: MessageReader<'w, 's, bang_components::history::HistoryCleared>,
}

/// Combat state the store saves, found by change detection: a garrison, container or fight
/// whose component changed is written whole, one whose component was removed is deleted, and a
/// fight of which only the pending actions changed gets its action rows alone.
#[derive(bevy_ecs::system::SystemParam)]
pub struct CombatState<'w, 's> {
    garrisons: Query<'w, 's, (Entity, &'static Garrison), Changed<Garrison>>,
    all_garrisons: Query<'w, 's, (Entity, &'static Garrison)>,
    removed_garrisons: RemovedComponents<'w, 's, Garrison>,
    salvage: Query<'w, 's, (Entity, &'static Salvage), Changed<Salvage>>,
    all_salvage: Query<'w, 's, (Entity, &'static Salvage)>,
    removed_salvage: RemovedComponents<'w, 's, Salvage>,
    encounters: Query<'w, 's, FightParts, ChangedFight>,
    keys: Local<'s, StoredKeys>,
    saved_rounds: ResMut<'w, SavedRounds>,
}

/// What is in space besides characters: combat state and unowned ships.
#[derive(bevy_ecs::system::SystemParam)]
pub struct SpaceState<'w, 's> {
    combat: CombatState<'w, 's>,
    unowned: super::keyed::KeyedState<'w, 's, bang_components::unowned_ships::UnownedShip>,
    corporations: super::keyed::KeyedState<'w, 's, bang_components::corporation::Corporation>,
    accounts: super::keyed::KeyedState<'w, 's, bang_components::account::Account>,
    logins: super::keyed::KeyedState<'w, 's, bang_components::account::Login>,
    roster: super::roster::RosterState<'w, 's>,
}

/// A fight and its pending actions, and whether the fight itself changed.
type FightParts = (Ref<'static, Encounter>, &'static PendingActions);
type ChangedFight = Or<(Changed<Encounter>, Changed<PendingActions>)>;

/// The store's key of every garrison and container entity it knows, so a despawned one (whose
/// component is gone) can still be deleted by key.
#[derive(Default)]
pub struct StoredKeys {
    ready: bool,
    garrisons: HashMap<Entity, SectorId>,
    salvage: HashMap<Entity, String>,
}

/// How many round logs of each active encounter are already in the store: saving a fight writes
/// only the rounds resolved since.
#[derive(Resource, Debug, Default)]
pub struct SavedRounds(pub(super) HashMap<String, usize>);

impl CombatState<'_, '_> {
    fn collect(&mut self, changes: &mut Changes) {
        if !self.keys.ready {
            // Restored before the first update: known, whether or not they show as changed.
            self.keys.ready = true;
            for (e, g) in &self.all_garrisons {
                self.keys.garrisons.insert(e, g.sector);
            }
            for (e, s) in &self.all_salvage {
                self.keys.salvage.insert(e, s.salvage_id.clone());
            }
        }
        self.collect_garrisons(changes);
        self.collect_salvage(changes);
        self.collect_encounters(changes);
    }

    /// Deletions first: a garrison destroyed and another placed in the same sector within one
    /// update ends as the new one.
    fn collect_garrisons(&mut self, changes: &mut Changes) {
        let mut gone: Vec<SectorId> = self
            .removed_garrisons
            .read()
            .filter_map(|e| self.keys.garrisons.remove(&e))
            .collect();
        gone.sort_unstable();
        changes
            .garrisons
            .extend(gone.into_iter().map(|s| (s, None)));
        let mut changed: Vec<(Entity, &Garrison)> = self.garrisons.iter().collect();
        changed.sort_by_key(|(_, g)| g.sector);
        for (e, g) in changed {
            self.keys.garrisons.insert(e, g.sector);
            changes.garrisons.push((g.sector, Some(g.clone())));
        }
    }

    fn collect_salvage(&mut self, changes: &mut Changes) {
        let mut gone: Vec<String> = self
            .removed_salvage
            .read()
            .filter_map(|e| self.keys.salvage.remove(&e))
            .collect();
        gone.sort();
        changes
            .salvage
            .extend(gone.into_iter().map(|id| (id, None)));
        let mut changed: Vec<(Entity, &Salvage)> = self.salvage.iter().collect();
        changed.sort_by(|a, b| a.1.salvage_id.cmp(&b.1.salvage_id));
        for (e, s) in changed {
            self.keys.salvage.insert(e, s.salvage_id.clone());
            changes
                .salvage
                .push((s.salvage_id.clone(), Some(s.clone())));
        }
    }

    /// A fight that changed is saved whole (with its pending actions, and the rounds resolved
    /// since its last save), or deleted once it has ended; a fight of which only the pending
    /// actions changed gets one small row per pending action.
    fn collect_encounters(&mut self, changes: &mut Changes) {
        let mut fights: Vec<_> = self.encounters.iter().collect();
        fights.sort_by(|a, b| a.0.combat_id.cmp(&b.0.combat_id));
        for (e, pending) in fights {
            let id = e.combat_id.clone();
            if e.ended {
                if e.is_changed() {
                    self.saved_rounds.0.remove(&id);
                    changes.encounters.push((id, None));
                }
                continue;
            }
            if !e.is_changed() {
                for (participant, a) in &pending.0 {
                    changes.encounter_actions.push(PendingActionRow {
                        round: e.round,
                        action: to_json(a),
                        combat_id: id.clone(),
                        participant: participant.clone(),
                    });
                }
                continue;
            }
            let saved = self.saved_rounds.0.get(&id).copied().unwrap_or(0);
            let new_rounds = e
                .logs
                .iter()
                .enumerate()
                .skip(saved)
                .map(|(i, log)| (i, to_json(log)))
                .collect();
            let row = EncounterRow {
                state: to_json(&StoredEncounterRef {
                    encounter: &e,
                    pending: &pending.0,
                }),
                new_rounds,
            };
            self.saved_rounds.0.insert(id.clone(), e.logs.len());
            changes.encounters.push((id, Some(row)));
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
    mut space: SpaceState,
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
    changes.clear_history = journal.cleared.read().count() > 0;
    changes.events.extend(journal.told.read().cloned());
    space.combat.collect(&mut changes);
    space.unowned.collect(&mut changes.unowned_ships);
    space.corporations.collect(&mut changes.corporations);
    space.accounts.collect(&mut changes.accounts);
    space.logins.collect(&mut changes.logins);
    space.roster.collect(&mut changes);
    for (
        entity,
        id,
        order,
        position,
        ship,
        credits,
        last_active,
        mut knowledge,
        ship_id,
        bank,
        name,
        volume,
    ) in &mut characters
    {
        space.roster.saw(entity, &id.0);
        // Draining the unsaved list is bookkeeping, not a change worth saving again.
        let knowledge = knowledge.bypass_change_detection();
        for (sector, visit) in knowledge.take_unsaved() {
            changes.visits.push((id.0.clone(), sector, visit));
        }
        changes.characters.push(CharacterRow {
            id: id.0.clone(),
            order: *order,
            sector: position.0,
            ship: ship.clone(),
            credits: credits.0,
            last_active: last_active.0,
            knowledge: knowledge.dates_only(),
            trade_volume: volume.map_or(0, |v| v.0),
            extras: ship_id.map(|s| CharacterExtras {
                ship_id: s.0.clone(),
                bank: bank.map_or(0, |b| b.0),
                ship_name: name.map(|n| n.0.clone()),
            }),
        });
    }
    {
        // Taking the changed sectors is bookkeeping, not a change worth saving again.
        let ports = ports.bypass_change_detection();
        for sector in ports.take_unsaved() {
            if let Some(p) = ports.get(sector) {
                changes.ports.push((sector, p.stock));
            }
        }
    }
    unsubmitted.0.extend(changes);
}

/// Who follows the store's commits (installed before the first update, if anyone does).
#[derive(Resource, Clone)]
pub struct CommitObserverRes(pub Arc<dyn CommitObserver>);

/// Hands the update's changes and its deliveries to the writer thread (started on first use,
/// after the World was restored from the store).
pub fn submit_update(
    store: Res<StoreRes>,
    mut writer: ResMut<StoreWriter>,
    mut unsubmitted: ResMut<Unsubmitted>,
    mut after: ResMut<AfterCommitQueue>,
    mut failed: ResMut<StoreFailed>,
    (metrics, observer): (
        Option<Res<crate::metrics::MetricsRes>>,
        Option<Res<CommitObserverRes>>,
    ),
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
            failed.0 = Some(StoreWriteError::StoreGone);
            return;
        };
        let follow = Followers {
            metrics: metrics.map(|m| m.0.clone()),
            observer: observer.map(|o| o.0.clone()),
        };
        match Writer::start(store, files, follow) {
            Ok(w) => writer.0 = Some(w),
            Err(e) => {
                failed.0 = Some(StoreWriteError::Start(Arc::new(e)));
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
