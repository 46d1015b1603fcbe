//! Reading the stored world back into a fresh World at start: characters, ports, chat, combat
//! state, unowned ships, corporations and the registry.

use super::plugin::{SavedRounds, StoreRes};
use super::{CharacterRow, StoredEncounter};
use bang_components::balance::Balance;
use bang_components::character::{
    Bank, CharacterId, CharacterIndex, Credits, LastActive, Position, SectorOccupants, ShipId,
    ShipName, TradeVolume,
};
use bang_components::chat::ChatLog;
use bang_components::combat::{
    EncounterIndex, Garrison, GarrisonIndex, InCombat, PendingActions, Salvage, SalvageIndex,
};
use bang_components::economy::PortStates;
use bang_components::time::{GameClock, Timestamp};
use bang_components::universe::UniverseRes;
use bevy_ecs::prelude::*;

/// Why the stored world could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("the store was already handed to its writer")]
    StoreTaken,
    #[error("reading the store: {0}")]
    Read(#[from] super::StoreError),
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
    let catalog = bang_systems::characters::ship_catalog(world);
    let (rows, ports, last_chat, combat, (unowned, registry, corporations, accounts)) = {
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
            store.load_characters(catalog)?,
            store.load_ports()?,
            store.last_chat_id()?,
            store.load_combat()?,
            (
                store.load_unowned_ships(catalog)?,
                store.load_registry()?,
                store.load_corporations()?,
                store.load_accounts()?,
            ),
        )
    };
    world.insert_resource(ChatLog::starting_at(last_chat + 1));
    for (sector, stock) in ports {
        if !world.resource_mut::<PortStates>().restore(sector, stock) {
            return Err(RestoreError::PortWithoutPort(sector));
        }
    }
    let count = restore_characters(world, rows)?;
    restore_combat(world, combat);
    super::keyed::restore_unowned_ships(world, unowned);
    super::keyed::restore_corporations(world, corporations);
    super::keyed::restore_accounts(world, accounts);
    if let Some(mut r) = world.get_resource_mut::<bang_components::registry::Registry>() {
        for (id, entry) in registry {
            r.restore(&id, entry);
        }
    }
    Ok(count)
}

/// Spawns the stored characters into the world map; how many.
fn restore_characters(world: &mut World, rows: Vec<CharacterRow>) -> Result<usize, RestoreError> {
    let count = rows.len();
    let universe = world.resource::<UniverseRes>().clone();
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
        if row.trade_volume > 0 {
            world
                .entity_mut(entity)
                .insert(TradeVolume(row.trade_volume));
        }
        if let Some(x) = row.extras {
            world
                .entity_mut(entity)
                .insert((ShipId(x.ship_id), Bank(x.bank)));
            if let Some(name) = x.ship_name {
                world.entity_mut(entity).insert(ShipName(name));
            }
        }
        world
            .resource_mut::<CharacterIndex>()
            .restore(row.id, entity, row.order);
        world
            .resource_mut::<SectorOccupants>()
            .enter(row.sector, row.order, entity);
    }
    Ok(count)
}

/// Puts garrisons, salvage and active fights back. A fight's open round gets a fresh deadline:
/// its players could not act while the server was down.
fn restore_combat(
    world: &mut World,
    (garrisons, salvage, encounters): (Vec<Garrison>, Vec<Salvage>, Vec<StoredEncounter>),
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
    for StoredEncounter {
        encounter: mut enc,
        pending,
    } in encounters
    {
        if enc.deadline < fresh {
            enc.deadline = fresh;
        }
        let ids: Vec<String> = enc.participants.iter().map(|p| p.id.clone()).collect();
        let (sector, combat_id) = (enc.sector, enc.combat_id.clone());
        // Its rounds are in the store: a later save writes only the ones resolved after.
        let rounds = enc.logs.len();
        world
            .resource_mut::<SavedRounds>()
            .0
            .insert(combat_id.clone(), rounds);
        let e = world.spawn((enc, PendingActions(pending))).id();
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
