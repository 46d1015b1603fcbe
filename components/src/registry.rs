//! The character registry (the 2026-01 rules): who may play. When registration is required,
//! `join` admits only registered ids; names are unique without regard to case. The store keeps
//! it; a world-data directory's `characters.json` can seed it (see `SeedFiles`).

use crate::character::Ship;
use crate::time::Timestamp;
use crate::universe::SectorId;
use bevy_ecs::prelude::Resource;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// One registered character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Resource, Debug, Clone, Default)]
pub struct Registry {
    /// Whether `join` needs the id registered (the 2026-01 rules).
    pub required: bool,
    entries: BTreeMap<String, Registered>,
    by_name: HashMap<String, String>,
    /// Ids whose entry changed since the store last took them.
    unsaved: Vec<String>,
}

fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Registry {
    /// An empty registry; `required`: whether `join` admits only registered ids.
    pub fn new(required: bool) -> Registry {
        Registry {
            required,
            ..Default::default()
        }
    }

    pub fn get(&self, id: &str) -> Option<&Registered> {
        self.entries.get(id)
    }

    pub fn name_of(&self, id: &str) -> Option<&str> {
        self.entries.get(id).map(|r| r.name.as_str())
    }

    /// The id registered under a name (any case).
    pub fn id_named(&self, name: &str) -> Option<&str> {
        self.by_name.get(&name_key(name)).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Registers or renames `id`; the caller has checked the name is free.
    pub fn insert(&mut self, id: &str, entry: Registered) {
        self.restore(id, entry);
        self.unsaved.push(id.to_string());
    }

    /// An entry as the store kept it (not a change to save again).
    pub fn restore(&mut self, id: &str, entry: Registered) {
        if let Some(old) = self.entries.get(id) {
            self.by_name.remove(&name_key(&old.name));
        }
        self.by_name.insert(name_key(&entry.name), id.to_string());
        self.entries.insert(id.to_string(), entry);
    }

    pub fn remove(&mut self, id: &str) -> Option<Registered> {
        let old = self.entries.remove(id)?;
        self.by_name.remove(&name_key(&old.name));
        self.unsaved.push(id.to_string());
        Some(old)
    }

    /// The entries changed since last asked: `Some` is saved, `None` deleted.
    pub fn take_unsaved(&mut self) -> Vec<(String, Option<Registered>)> {
        let mut ids = std::mem::take(&mut self.unsaved);
        ids.sort();
        ids.dedup();
        ids.into_iter()
            .map(|id| {
                let entry = self.entries.get(&id).cloned();
                (id, entry)
            })
            .collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Registered)> {
        self.entries.iter()
    }
}

/// A character as a world-data directory describes it (the 2026-01 release's
/// `character-map-knowledge/<id>.json` and its ship in `ships.json`), for a `join` of a character
/// the World does not have yet.
#[derive(Debug, Clone, PartialEq)]
pub struct SeededCharacter {
    pub sector: SectorId,
    pub ship_id: Option<String>,
    pub ship: Ship,
    /// The ship's own name, if it has one.
    pub ship_name: Option<String>,
    pub credits: i64,
    pub bank: i64,
    /// Visited sectors with the adjacency seen there.
    pub visited: BTreeMap<SectorId, Vec<SectorId>>,
}

/// Where `join` looks for characters and registrations it does not know (a world-data
/// directory's files, read by the server; nothing in a bare World). Reading is the source's
/// business: the rules only ask.
pub trait SeedFiles: Send + Sync {
    /// Registrations added or changed since the last call.
    fn registrations(&self) -> Vec<(String, String)>;
    /// The character's files: for one the World does not have (`known` false), whenever they
    /// exist; for one it has, only if they changed since last read or written.
    fn character(&self, id: &str, known: bool) -> Option<SeededCharacter>;
    /// Forgets what was read: every file counts as new again (after a test reset).
    fn forget(&self);
    /// Deletes the characters' files whose names contain any of `patterns` (a test reset);
    /// how many.
    fn delete_characters(&self, patterns: &[String]) -> usize;
    /// Deletes one character's files (`character.delete`).
    fn delete_character(&self, id: &str);
    /// Empties the directory's `event-log.jsonl`, the history's mirror (a test reset).
    fn truncate_event_log(&self);
}

/// The installed seed source, if any.
#[derive(Resource, Clone)]
pub struct Seeds(pub Arc<dyn SeedFiles>);
