//! Corporations (the 2026-01 release's): characters banded together by an invite code, owning
//! ships their members fly. Each corporation is an entity; `Corporations` finds one by id, by
//! name and by member, and knows which characters are its ships.

use crate::time::Timestamp;
use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// What founding a corporation costs, from the founder's credits on hand.
pub const CREATION_COST: i64 = 10_000;

/// Shortest and longest corporation name (trimmed, in characters).
pub const NAME_LEN: std::ops::RangeInclusive<usize> = 3..=50;

/// One member and when it joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub character_id: String,
    pub joined_at: Timestamp,
}

/// A corporation. Its ships are characters of their own (a ship's character id is its ship id),
/// flown by members who name themselves as `actor_character_id`.
#[derive(Component, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Corporation {
    pub corp_id: String,
    pub name: String,
    pub founded: Timestamp,
    pub founder_id: String,
    pub invite_code: String,
    pub invite_code_generated: Timestamp,
    pub invite_code_generated_by: String,
    /// In joining order.
    pub members: Vec<Member>,
    /// Ship ids, in buying order.
    pub ships: Vec<String>,
}

impl Corporation {
    pub fn is_member(&self, character: &str) -> bool {
        self.members.iter().any(|m| m.character_id == character)
    }

    pub fn member(&self, character: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.character_id == character)
    }

    pub fn member_ids(&self) -> Vec<String> {
        self.members
            .iter()
            .map(|m| m.character_id.clone())
            .collect()
    }

    /// Whether `code` is the invite code, ignoring case and surrounding space.
    pub fn invites(&self, code: &str) -> bool {
        self.invite_code.eq_ignore_ascii_case(code.trim())
    }
}

/// The key a corporation name is unique under.
fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Corporations by id and by name (any case), and the corporation of each member and each
/// corporation ship. Kept in step with the `Corporation` components by `index` and `unindex`.
#[derive(Resource, Debug, Default)]
pub struct Corporations {
    by_id: BTreeMap<String, Entity>,
    by_name: HashMap<String, String>,
    of_member: HashMap<String, String>,
    of_ship: HashMap<String, String>,
}

impl Corporations {
    pub fn get(&self, corp_id: &str) -> Option<Entity> {
        self.by_id.get(corp_id).copied()
    }

    /// The corporation registered under a name (any case).
    pub fn named(&self, name: &str) -> Option<&str> {
        self.by_name.get(&name_key(name)).map(String::as_str)
    }

    /// The corporation a character belongs to: as a member, or as one of its ships.
    pub fn of(&self, character: &str) -> Option<&str> {
        self.of_member
            .get(character)
            .or_else(|| self.of_ship.get(character))
            .map(String::as_str)
    }

    /// The corporation owning the ship whose character this is.
    pub fn owning_ship(&self, character: &str) -> Option<&str> {
        self.of_ship.get(character).map(String::as_str)
    }

    /// Whether two characters are on one side: the same character, or of one corporation.
    pub fn allied(&self, a: &str, b: &str) -> bool {
        a == b || self.of(a).is_some_and(|c| self.of(b) == Some(c))
    }

    /// Every corporation's entity, in id order.
    pub fn entities(&self) -> impl Iterator<Item = Entity> + '_ {
        self.by_id.values().copied()
    }

    /// (Re)indexes a corporation as it now stands.
    pub fn index(&mut self, corp: &Corporation, entity: Entity) {
        self.unindex(&corp.corp_id);
        self.by_id.insert(corp.corp_id.clone(), entity);
        self.by_name
            .insert(name_key(&corp.name), corp.corp_id.clone());
        for m in &corp.members {
            self.of_member
                .insert(m.character_id.clone(), corp.corp_id.clone());
        }
        for s in &corp.ships {
            self.of_ship.insert(s.clone(), corp.corp_id.clone());
        }
    }

    /// Forgets a corporation (disbanded, or about to be reindexed).
    pub fn unindex(&mut self, corp_id: &str) -> Option<Entity> {
        let entity = self.by_id.remove(corp_id)?;
        self.by_name.retain(|_, c| c != corp_id);
        self.of_member.retain(|_, c| c != corp_id);
        self.of_ship.retain(|_, c| c != corp_id);
        Some(entity)
    }

    /// Forgets every corporation; their entities (for a reset).
    pub fn drain(&mut self) -> Vec<Entity> {
        self.by_name.clear();
        self.of_member.clear();
        self.of_ship.clear();
        std::mem::take(&mut self.by_id).into_values().collect()
    }
}

/// Changes a corporation and reindexes it (the one way to change one).
pub fn update(world: &mut World, entity: Entity, change: impl FnOnce(&mut Corporation)) {
    let mut corp = world.get_mut::<Corporation>(entity).expect("corporation");
    change(&mut corp);
    let corp = corp.clone();
    world.resource_mut::<Corporations>().index(&corp, entity);
}

/// The corporation a character belongs to (as a member or as its ship), if any.
pub fn corporation_of<'w>(world: &'w World, character: &str) -> Option<&'w Corporation> {
    let corps = world.get_resource::<Corporations>()?;
    let e = corps.get(corps.of(character)?)?;
    world.get::<Corporation>(e)
}

/// Whether two characters are on one side (the same, or of one corporation): no friendly fire.
pub fn allied(world: &World, a: &str, b: &str) -> bool {
    world
        .get_resource::<Corporations>()
        .map_or(a == b, |c| c.allied(a, b))
}

/// Whether the character is a corporation's ship.
pub fn is_corporation_ship(world: &World, character: &str) -> bool {
    world
        .get_resource::<Corporations>()
        .is_some_and(|c| c.owning_ship(character).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corp(id: &str, name: &str, members: &[&str], ships: &[&str]) -> Corporation {
        Corporation {
            corp_id: id.into(),
            name: name.into(),
            founded: Timestamp(1),
            founder_id: members[0].into(),
            invite_code: "abcd1234".into(),
            invite_code_generated: Timestamp(1),
            invite_code_generated_by: members[0].into(),
            members: members
                .iter()
                .map(|m| Member {
                    character_id: m.to_string(),
                    joined_at: Timestamp(1),
                })
                .collect(),
            ships: ships.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn members_and_ships_find_their_corporation_until_it_is_unindexed() {
        let mut world = World::new();
        let mut index = Corporations::default();
        let a = corp("c1", "Star Traders", &["ada", "bo"], &["s1"]);
        let b = corp("c2", "Void", &["cy"], &[]);
        let (ea, eb) = (world.spawn_empty().id(), world.spawn_empty().id());
        index.index(&a, ea);
        index.index(&b, eb);
        assert_eq!(index.of("bo"), Some("c1"));
        assert_eq!(index.of("s1"), Some("c1"));
        assert_eq!(index.owning_ship("s1"), Some("c1"));
        assert_eq!(index.owning_ship("ada"), None);
        assert_eq!(index.named("  star TRADERS "), Some("c1"));
        assert!(index.allied("ada", "s1"));
        assert!(index.allied("zed", "zed"));
        assert!(!index.allied("ada", "cy"));
        assert!(!index.allied("zed", "nobody"));
        // A member leaving: reindexing drops it.
        let mut a2 = a.clone();
        a2.members.retain(|m| m.character_id != "bo");
        index.index(&a2, ea);
        assert_eq!(index.of("bo"), None);
        assert_eq!(index.of("ada"), Some("c1"));
        assert_eq!(index.unindex("c1"), Some(ea));
        assert_eq!(index.of("ada"), None);
        assert_eq!(index.named("star traders"), None);
        assert_eq!(index.entities().collect::<Vec<_>>(), vec![eb]);
        assert_eq!(index.drain(), vec![eb]);
        assert_eq!(index.of("cy"), None);
    }

    #[test]
    fn invite_codes_match_without_regard_to_case_or_space() {
        let c = corp("c1", "Star Traders", &["ada"], &[]);
        assert!(c.invites(" ABCD1234 "));
        assert!(!c.invites("abcd123"));
        assert!(c.is_member("ada"));
        assert!(!c.is_member("bo"));
    }
}
