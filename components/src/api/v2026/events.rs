//! The events only the 2026-01 dialect has, by wire name.

use super::*;
use serde::Serialize;

/// The events only the 2026-01 dialect has (the seed's dialect shows none of them).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Event2026 {
    StatusSnapshot(Box<Status>),
    StatusUpdate(Box<Status>),
    MapLocal(Box<MapRegion>),
    MapRegion(Box<MapRegion>),
    MovementStart(Box<MovementStart>),
    MovementComplete(Box<MovementComplete>),
    CoursePlot(CoursePlot),
    Error(ErrorEvent),
    TradeExecuted(Box<TradeExecuted>),
    PortUpdate(Box<PortUpdate>),
    WarpPurchased(Box<WarpPurchased>),
    WarpTransfer(Box<Transfer>),
    CreditsTransfer(Box<Transfer>),
    BankTransaction(Box<BankTransaction>),
    FighterPurchase(Box<FighterPurchase>),
    SalvageCreated(Box<SalvageCreated>),
    SectorUpdate(Box<SectorUpdate>),
    SalvageCollected(Box<SalvageCollected>),
    ShipTradedIn(Box<ShipTradedIn>),
    GarrisonDeployed(Box<combat::GarrisonDeployed>),
    GarrisonCollected(Box<combat::GarrisonCollected>),
    GarrisonModeChanged(Box<combat::GarrisonModeChanged>),
    PortsList(Box<PortsList>),
    PathRegion(Box<PathRegion>),
    CombatRoundWaiting(Box<combat::RoundWaiting>),
    CombatRoundResolved(Box<combat::RoundTold>),
    CombatEnded(Box<combat::RoundTold>),
    CombatFled(Box<combat::FledFight>),
    CombatActionAccepted(Box<combat::ActionAccepted>),
    GarrisonCombatAlert(Box<combat::GarrisonCombatAlert>),
    EventQuery(Box<history::EventsFound>),
    CorporationCreated(Box<corporation::CorporationFounded>),
    CorporationMemberJoined(Box<corporation::MemberJoined>),
    CorporationInviteCodeRegenerated(Box<corporation::InviteCodeChanged>),
    CorporationMemberLeft(Box<corporation::MemberLeft>),
    CorporationMemberKicked(Box<corporation::MemberKicked>),
    CorporationDisbanded(Box<corporation::Disbanded>),
    CorporationShipsAbandoned(Box<corporation::ShipsAbandoned>),
    CorporationShipPurchased(Box<corporation::CorporationShipPurchased>),
    GarrisonCharacterMoved(Box<combat::GarrisonCharacterMoved>),
}

impl Event2026 {
    /// The event's wire name.
    pub fn name(&self) -> &'static str {
        match self {
            Event2026::StatusSnapshot(_) => "status.snapshot",
            Event2026::StatusUpdate(_) => "status.update",
            Event2026::MapLocal(_) => "map.local",
            Event2026::MapRegion(_) => "map.region",
            Event2026::MovementStart(_) => "movement.start",
            Event2026::MovementComplete(_) => "movement.complete",
            Event2026::CoursePlot(_) => "course.plot",
            Event2026::Error(_) => "error",
            Event2026::TradeExecuted(_) => "trade.executed",
            Event2026::PortUpdate(_) => "port.update",
            Event2026::WarpPurchased(_) => "warp.purchase",
            Event2026::WarpTransfer(_) => "warp.transfer",
            Event2026::CreditsTransfer(_) => "credits.transfer",
            Event2026::BankTransaction(_) => "bank.transaction",
            Event2026::FighterPurchase(_) => "fighter.purchase",
            Event2026::SalvageCreated(_) => "salvage.created",
            Event2026::SectorUpdate(_) => "sector.update",
            Event2026::SalvageCollected(_) => "salvage.collected",
            Event2026::ShipTradedIn(_) => "ship.traded_in",
            Event2026::GarrisonDeployed(_) => "garrison.deployed",
            Event2026::GarrisonCollected(_) => "garrison.collected",
            Event2026::GarrisonModeChanged(_) => "garrison.mode_changed",
            Event2026::PortsList(_) => "ports.list",
            Event2026::PathRegion(_) => "path.region",
            Event2026::CombatRoundWaiting(_) => "combat.round_waiting",
            Event2026::CombatRoundResolved(_) => "combat.round_resolved",
            Event2026::CombatEnded(_) | Event2026::CombatFled(_) => "combat.ended",
            Event2026::CombatActionAccepted(_) => "combat.action_accepted",
            Event2026::GarrisonCombatAlert(_) => "garrison.combat_alert",
            Event2026::EventQuery(_) => "event.query",
            Event2026::CorporationCreated(_) => "corporation.created",
            Event2026::CorporationMemberJoined(_) => "corporation.member_joined",
            Event2026::CorporationInviteCodeRegenerated(_) => "corporation.invite_code_regenerated",
            Event2026::CorporationMemberLeft(_) => "corporation.member_left",
            Event2026::CorporationMemberKicked(_) => "corporation.member_kicked",
            Event2026::CorporationDisbanded(_) => "corporation.disbanded",
            Event2026::CorporationShipsAbandoned(_) => "corporation.ships_abandoned",
            Event2026::CorporationShipPurchased(_) => "corporation.ship_purchased",
            Event2026::GarrisonCharacterMoved(_) => "garrison.character_moved",
        }
    }

    /// The corporation a corporation event is about (the history files it under that
    /// corporation even when its sender has just left it).
    pub fn corporation(&self) -> Option<&str> {
        match self {
            Event2026::CorporationCreated(e) => Some(&e.corp_id),
            Event2026::CorporationMemberJoined(e) => Some(&e.corp_id),
            Event2026::CorporationInviteCodeRegenerated(e) => Some(&e.corp_id),
            Event2026::CorporationMemberLeft(e) => Some(&e.corp_id),
            Event2026::CorporationMemberKicked(e) => Some(&e.corp_id),
            Event2026::CorporationDisbanded(e) => Some(&e.corp_id),
            Event2026::CorporationShipsAbandoned(e) => Some(&e.corp_id),
            Event2026::CorporationShipPurchased(e) => Some(&e.corp_id),
            Event2026::GarrisonCharacterMoved(e) => e.garrison.corporation_id.as_deref(),
            _ => None,
        }
    }
}
