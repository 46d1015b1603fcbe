//! Turning combat state into its wire forms.

use bang_components::api::combat::{
    ActionView, EncounterView, GarrisonView, ParticipantView, RoundLogView, SalvageMetadata,
    SalvageView,
};
use bang_components::combat::{
    CombatantKind, Encounter, Garrison, GarrisonMode, Participant, RoundLog, Salvage, StoredAction,
};
use indexmap::IndexMap;

pub fn participant_view(p: &Participant, delta: Option<(i64, i64)>) -> ParticipantView {
    let kind = match p.kind {
        CombatantKind::Character => "character",
        CombatantKind::Garrison => "garrison",
    };
    ParticipantView {
        combatant_id: p.id.clone(),
        combatant_type: kind.into(),
        kind: kind.into(),
        name: p.name.clone(),
        fighters: p.fighters,
        shields: p.shields,
        max_fighters: p.max_fighters,
        max_shields: p.max_shields,
        turns_per_warp: p.turns_per_warp,
        is_escape_pod: p.is_escape_pod,
        owner_character_id: p.owner.clone(),
        owner: p.owner.clone(),
        ship_type: p.ship_type,
        fighters_delta: delta.map(|d| d.0),
        shields_delta: delta.map(|d| d.1),
    }
}

pub fn action_view(a: &StoredAction) -> ActionView {
    ActionView {
        action: a.action.wire_name().into(),
        commit: a.commit,
        timed_out: a.timed_out,
        submitted_at: a.submitted_at,
        target: a.target.clone(),
        target_id: a.target.clone(),
        destination_sector: a.destination,
    }
}

pub fn encounter_view(e: &Encounter) -> EncounterView {
    EncounterView {
        combat_id: e.combat_id.clone(),
        sector: e.sector,
        round: e.round,
        deadline: e.deadline,
        participants: e
            .participants
            .iter()
            .map(|p| (p.id.clone(), participant_view(p, None)))
            .collect::<IndexMap<_, _>>(),
    }
}

pub fn log_view(log: &RoundLog) -> RoundLogView {
    RoundLogView {
        round: log.round,
        actions: log
            .actions
            .iter()
            .map(|(k, a)| (k.clone(), action_view(a)))
            .collect(),
        losses: log.losses.clone(),
        result: log.result.clone(),
        timestamp: log.timestamp,
    }
}

pub fn salvage_view(s: &Salvage) -> SalvageView {
    SalvageView {
        salvage_id: s.salvage_id.clone(),
        sector: s.sector,
        victor_id: s.victor_id.clone(),
        created_at: s.created_at,
        expires_at: s.expires_at,
        cargo: s.cargo.clone(),
        scrap: s.scrap,
        credits: s.credits,
        claimed: s.claimed,
        claimed_by: s.claimed_by.clone(),
        metadata: SalvageMetadata {
            loser: s.loser.clone(),
            ship_type: s.ship_type,
            combat_id: s.combat_id.clone(),
        },
    }
}

pub fn mode_name(mode: GarrisonMode) -> &'static str {
    match mode {
        GarrisonMode::Offensive => "offensive",
        GarrisonMode::Defensive => "defensive",
        GarrisonMode::Toll => "toll",
    }
}

/// A garrison as stored; with a viewer, `is_friendly` says whether the viewer owns it.
pub fn garrison_view(g: &Garrison, viewer: Option<&str>) -> GarrisonView {
    GarrisonView {
        owner_id: g.owner.clone(),
        fighters: g.fighters,
        mode: mode_name(g.mode).into(),
        toll_amount: g.toll_amount,
        toll_balance: g.toll_balance,
        deployed_at: g.deployed_at,
        is_friendly: viewer.map(|v| v == g.owner),
    }
}
