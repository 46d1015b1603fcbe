//! Domain events: what happened in the game, as the rules record it (past-tense facts, typed).
//! The rules never name a wire event nor build JSON; a dialect of the presentation layer
//! (`src/present/`) renders each event into its frame. The views an event carries (a status, a
//! round's outcome) are what the game knows at the moment it happened: rendering later must not
//! read the World again, or two events of one update could show the same state.

use crate::api::combat::{CombatStarted, EncounterView, GarrisonUpdated, RoundPayload};
use crate::api::events::{
    CharacterJoined, CharacterMoved, CharacterMovedObserved, ChatMessage, PortRegenerated,
    PortReset, WarpPurchase, WarpTransfer,
};
use crate::api::payloads::StatusPayload;

#[derive(Debug, Clone)]
pub enum GameEvent {
    /// A character's status changed in a way its player must see (as of this moment).
    StatusChanged(Box<StatusPayload>),
    /// A new character entered the world.
    CharacterJoined(CharacterJoined),
    /// A character moved: its own account.
    CharacterMoved(CharacterMoved),
    /// A character moved, as those in the sectors it left or entered saw it.
    MoveObserved(CharacterMovedObserved),
    /// A fight began.
    CombatStarted(Box<CombatStarted>),
    /// A round opened and waits for actions.
    RoundOpened(Box<EncounterView>),
    /// A round was resolved and the fight goes on (or ends with the next event).
    RoundResolved(Box<RoundPayload>),
    /// A fight ended, with its last round and what it left behind.
    CombatEnded(Box<RoundPayload>),
    /// The garrisons of a sector changed.
    GarrisonsUpdated(GarrisonUpdated),
    /// Warp power was bought at the mega-port.
    WarpPowerBought(WarpPurchase),
    /// Warp power was given to another character.
    WarpPowerTransferred(WarpTransfer),
    /// An operator reset every port's stock.
    PortsReset(PortReset),
    /// An operator moved every port part of the way back to its stock.
    PortsRegenerated(PortRegenerated),
    /// A chat message was sent.
    MessageSent(ChatMessage),
    /// A connection no longer acts for a character (told to that connection only).
    SessionEnded(crate::api::account::SessionEnded),
    /// What only the 2026-01 dialect tells (its endpoints send data as events).
    Release2026(crate::api::v2026::Event2026),
}

impl GameEvent {
    /// The sector the event happened in, where the event itself says (a move is seen in the
    /// sector left or entered, wherever the mover is by now).
    pub fn sector(&self) -> Option<crate::universe::SectorId> {
        match self {
            GameEvent::MoveObserved(seen) => Some(seen.sector),
            _ => None,
        }
    }
}
