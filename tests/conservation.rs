//! Conservation over thousands of random fights with garrisons, tolls and salvage: credits are
//! never created or destroyed (they only move between ships, toll banks and salvage), and
//! fighters are never created (combat only destroys them).

mod common;

use bang_components::api::combat::{
    CombatActionRequest, CombatInitiateRequest, GarrisonRequest, SalvageCollectRequest,
};
use bang_components::api::requests::{IntArg, JoinRequest, MoveRequest};
use bang_components::character::{Credits, Ship};
use bang_components::combat::{Encounter, EncounterIndex, Garrison, Salvage, SalvageIndex};
use bang_components::session::ConnectionId;
use bang_systems::endpoints::Request;
use common::Harness;
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SHIPS: [&str; 4] = [
    "kestrel_courier",
    "sparrow_scout",
    "corsair_raider",
    "escape_pod",
];

struct Totals {
    credits: i64,
    fighters: i64,
}

fn totals(h: &mut Harness) -> Totals {
    let world = h.app.world_mut();
    let mut credits = 0;
    let mut fighters = 0;
    for (c, s) in world.query::<(&Credits, &Ship)>().iter(world) {
        credits += c.0;
        fighters += s.fighters;
        assert!(s.fighters >= 0 && s.fighters <= s.stats().max_fighters as i64);
        assert!(c.0 >= 0, "negative credits");
    }
    for g in world.query::<&Garrison>().iter(world) {
        credits += g.toll_balance;
        fighters += g.fighters;
        assert!(g.fighters >= 0 && g.toll_balance >= 0);
    }
    for s in world.query::<&Salvage>().iter(world) {
        credits += s.credits;
        assert!(s.credits >= 0);
    }
    Totals { credits, fighters }
}

fn active_fight(h: &Harness) -> Option<(String, Vec<String>, u32)> {
    let world = h.app.world();
    let enc = *world.resource::<EncounterIndex>().by_sector.get(&0)?;
    let e = world.get::<Encounter>(enc)?;
    let chars = e
        .participants
        .iter()
        .filter(|p| p.kind == bang_components::combat::CombatantKind::Character)
        .map(|p| p.id.clone())
        .collect();
    Some((e.combat_id.clone(), chars, e.round))
}

/// One random world: four characters, a garrison, then several fights with random actions.
/// Returns how many rounds were resolved (so a test can check fights really happened).
fn run_case(seed: u64) -> u64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut h = common::harness();
    let conns: Vec<ConnectionId> = (0..4).map(|_| h.connect()).collect();
    for (i, conn) in conns.iter().enumerate() {
        let ship = SHIPS[rng.random_range(0..SHIPS.len())];
        h.request(
            *conn,
            Request::Join(JoinRequest {
                character_id: Some(format!("c{i}")),
                ship_type: Some(ship.into()),
                credits: Some(rng.random_range(0..3000)),
                sector: Some(0),
                token: None,
            }),
        );
    }
    // c3 stations a garrison in sector 0 (any mode) and sometimes leaves.
    let mode = ["offensive", "defensive", "toll"][rng.random_range(0..3usize)];
    h.request(
        conns[3],
        Request::LeaveFighters(GarrisonRequest {
            character_id: Some("c3".into()),
            sector: Some(0),
            quantity: Some(rng.random_range(1..60)),
            mode: Some(mode.into()),
            toll_amount: Some(rng.random_range(-10..400)),
        }),
    );
    let start = totals(&mut h);
    for _fight in 0..3 {
        let who = rng.random_range(0..4usize);
        h.request(
            conns[who],
            Request::CombatInitiate(CombatInitiateRequest {
                character_id: Some(format!("c{who}")),
                ..Default::default()
            }),
        );
        for _ in 0..40 {
            let Some((combat_id, chars, round)) = active_fight(&h) else {
                break;
            };
            random_actions(&mut h, &mut rng, &conns, (&combat_id, round), chars);
            let now = totals(&mut h);
            assert_eq!(
                now.credits, start.credits,
                "seed {seed}: credits changed mid-fight"
            );
            assert!(
                now.fighters <= start.fighters,
                "seed {seed}: fighters were created"
            );
        }
        regroup(&mut h, &mut rng, &conns);
        let now = totals(&mut h);
        assert_eq!(now.credits, start.credits, "seed {seed}: credits changed");
        assert!(
            now.fighters <= start.fighters,
            "seed {seed}: fighters were created"
        );
    }
    h.app
        .world()
        .resource::<bang_components::combat::CombatStats>()
        .rounds_resolved
}

#[test]
fn the_random_worlds_really_fight() {
    let rounds: u64 = (0..50).map(run_case).sum();
    assert!(rounds > 100, "only {rounds} rounds in 50 worlds");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// 400 worlds × 3 fights: 1,200 random fights.
    #[test]
    fn credits_and_fighters_are_conserved(seed in any::<u64>()) {
        let _ = run_case(seed);
    }
}

/// Every character in the fight sends a random action for the round (any target, the
/// garrison now and then), whether or not the rules will take it.
fn random_actions(
    h: &mut Harness,
    rng: &mut ChaCha8Rng,
    conns: &[ConnectionId],
    (combat_id, round): (&str, u32),
    chars: Vec<String>,
) {
    for id in chars {
        let i: usize = id[1..].parse().unwrap();
        let action = ["attack", "attack", "brace", "flee", "pay"][rng.random_range(0..5usize)];
        let target = format!("c{}", rng.random_range(0..4));
        h.request(
            conns[i],
            Request::CombatAction(CombatActionRequest {
                character_id: Some(id.clone()),
                combat_id: Some(combat_id.to_string()),
                action: Some(action.into()),
                commit: Some(rng.random_range(1..200)),
                target_id: Some(if rng.random_range(0..4) == 0 {
                    "garrison:0:c3".into()
                } else {
                    target
                }),
                to_sector: Some(IntArg::Int(rng.random_range(1..3))),
                to: None,
                round: Some(round as i64),
            }),
        );
    }
}

/// Between fights: anyone who fled comes back to sector 0, and random characters claim
/// whatever salvage lies around (partly, as their holds allow).
fn regroup(h: &mut Harness, rng: &mut ChaCha8Rng, conns: &[ConnectionId]) {
    // Anyone who fled comes back for the next fight.
    for (i, conn) in conns.iter().enumerate() {
        h.request(
            *conn,
            Request::Move(MoveRequest {
                character_id: Some(format!("c{i}")),
                to_sector: Some(IntArg::Int(0)),
                to: None,
            }),
        );
    }
    // Claim whatever salvage lies around, partly.
    let ids: Vec<String> = h
        .app
        .world()
        .resource::<SalvageIndex>()
        .by_id
        .keys()
        .cloned()
        .collect();
    for sid in ids {
        let i = rng.random_range(0..4usize);
        h.request(
            conns[i],
            Request::SalvageCollect(SalvageCollectRequest {
                character_id: Some(format!("c{i}")),
                salvage_id: Some(sid),
            }),
        );
    }
}
