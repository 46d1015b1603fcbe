//! Traders and duelists that keep a client-side ledger of what the server acknowledged, and the
//! check that the store holds all of it: the crash tests and the database-outage test drive
//! these, then read the store directly.

use super::{Backing, Client};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A trader's route: it shuttles between two sectors and keeps a garrison in the second.
pub struct Route {
    pub id: &'static str,
    pub a: u32,
    pub b: u32,
}

pub const ROUTES: [Route; 3] = [
    Route {
        id: "t0",
        a: 0,
        b: 1,
    },
    Route {
        id: "t1",
        a: 0,
        b: 2,
    },
    Route {
        id: "t2",
        a: 1,
        b: 3,
    },
];

/// What the client knows was acknowledged, and the one request that may be in flight.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub sector: u32,
    pub warp: i64,
    pub fighters: i64,
    pub garrison: i64,
    /// (sector, warp, fighters, garrison) if the in-flight request succeeds.
    pub in_flight: Option<(u32, i64, i64, i64)>,
    pub messages: Vec<i64>,
    /// Successful replies received.
    pub acks: u64,
}

pub async fn trader(
    addr: std::net::SocketAddr,
    route: &'static Route,
    ledger: Arc<Mutex<Ledger>>,
    seed: u64,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let Ok((ws, _)) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await else {
        return;
    };
    drop(ws);
    let mut c = Client::connect(addr).await;
    let (_, reply) = c
        .rpc("join", json!({"character_id": route.id, "sector": route.a}))
        .await;
    if reply["ok"] != true {
        return;
    }
    {
        let s = &reply["result"];
        let mut l = ledger.lock().unwrap();
        l.sector = s["sector"].as_u64().unwrap() as u32;
        l.warp = s["ship"]["warp_power"].as_i64().unwrap();
        l.fighters = s["ship"]["fighters"].as_i64().unwrap();
        // A request in flight at the last kill may have landed: the join shows the ship as
        // stored, and if it matches what that request would have made, so does the garrison.
        // (Not the sector: an open-mode join with `sector` puts the ship there.) PostgreSQL
        // makes this common: a COMMIT sent just before the kill is still carried out.
        if let Some((_, warp, fighters, garrison)) = l.in_flight.take()
            && (warp, fighters) == (l.warp, l.fighters)
        {
            l.garrison = garrison;
        }
    }
    loop {
        let (sector, warp, fighters, garrison) = {
            let l = ledger.lock().unwrap();
            (l.sector, l.warp, l.fighters, l.garrison)
        };
        let roll = rng.random_range(0..10u32);
        let (endpoint, payload, expect) = if roll < 5 && warp >= 3 {
            let to = if sector == route.a { route.b } else { route.a };
            (
                "move",
                json!({"character_id": route.id, "to_sector": to}),
                Some((to, warp - 3, fighters, garrison)),
            )
        } else if roll < 8 && sector == route.b && fighters > 0 {
            let p = json!({"character_id": route.id, "sector": sector, "quantity": 1, "mode": "defensive"});
            (
                "combat.leave_fighters",
                p,
                Some((sector, warp, fighters - 1, garrison + 1)),
            )
        } else {
            let p = json!({"character_id": route.id, "type": "broadcast", "content": format!("{} at {sector}", route.id)});
            ("send_message", p, None)
        };
        ledger.lock().unwrap().in_flight = expect;
        let (_, reply) = c.rpc_or_lost(endpoint, payload).await;
        let Some(reply) = reply else { return }; // the server died under us
        {
            let mut l = ledger.lock().unwrap();
            if reply["ok"] == true {
                l.acks += 1;
                if let Some((s, w, f, g)) = expect {
                    (l.sector, l.warp, l.fighters, l.garrison) = (s, w, f, g);
                } else if let Some(id) = reply["result"]["id"].as_i64() {
                    l.messages.push(id);
                }
            }
            l.in_flight = None;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..15))).await;
    }
}

/// Two fighters in sector 7 trade small volleys, so a fight is always under way.
pub async fn duelists(addr: std::net::SocketAddr, state: Arc<Mutex<Option<(String, u32)>>>) {
    let mut x = Client::connect(addr).await;
    let mut y = Client::connect(addr).await;
    let _ = x
        .rpc("join", json!({"character_id": "dx", "sector": 7}))
        .await;
    let _ = y
        .rpc("join", json!({"character_id": "dy", "sector": 7}))
        .await;
    let combat_id = match x
        .rpc_or_lost("combat.status", json!({"character_id": "dx"}))
        .await
        .1
    {
        Some(r) if r["ok"] == true => r["result"]["combat_id"].as_str().unwrap().to_string(),
        Some(_) => match x
            .rpc_or_lost("combat.initiate", json!({"character_id": "dx"}))
            .await
            .1
        {
            Some(r) if r["ok"] == true => r["result"]["combat_id"].as_str().unwrap().to_string(),
            _ => return,
        },
        None => return,
    };
    loop {
        let a = json!({"character_id": "dx", "combat_id": combat_id, "action": "attack", "commit": 1, "target_id": "dy"});
        let Some(r) = x.rpc_or_lost("combat.action", a).await.1 else {
            return;
        };
        if r["ok"] != true {
            return;
        }
        let b = json!({"character_id": "dy", "combat_id": combat_id, "action": "attack", "commit": 1, "target_id": "dx"});
        let Some(r) = y.rpc_or_lost("combat.action", b).await.1 else {
            return;
        };
        if r["ok"] != true || r["result"]["ended"] == true {
            return;
        }
        *state.lock().unwrap() = Some((
            combat_id.clone(),
            r["result"]["round"].as_u64().unwrap() as u32,
        ));
    }
}

/// After kill (or outage) `round`, the store read directly: every change a client was told of is there
/// (or the one in flight at the kill), and the fight is at the acknowledged round or the next.
pub fn assert_acknowledged_stored(
    backing: &Backing,
    data: &std::path::Path,
    round: usize,
    ledgers: &[Arc<Mutex<Ledger>>],
    fight: &Mutex<Option<(String, u32)>>,
) {
    let (rows, (garrisons, _, encounters), messages) = backing.with_store(data, |store| {
        let rows = store
            .load_characters(bang_components::ships::ShipCatalog::Seed)
            .unwrap();
        let messages: Vec<i64> = store
            .chat_messages()
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect();
        (rows, store.load_combat().unwrap(), messages)
    });
    for (i, route) in ROUTES.iter().enumerate() {
        let l = ledgers[i].lock().unwrap().clone();
        let row = rows
            .iter()
            .find(|r| r.id == route.id)
            .expect("the trader was stored");
        let garrison = garrisons
            .iter()
            .find(|g| g.owner == route.id)
            .map_or(0, |g| g.fighters);
        let stored = (row.sector, row.ship.warp_power, row.ship.fighters, garrison);
        let acked = (l.sector, l.warp, l.fighters, l.garrison);
        assert!(
            stored == acked || Some(stored) == l.in_flight,
            "kill {round}, {}: store has {stored:?}, the client was told {acked:?} (in flight {:?}); garrisons {:?}; fights {:?}",
            route.id,
            l.in_flight,
            garrisons
                .iter()
                .map(|g| (g.sector, g.owner.clone(), g.fighters, g.mode))
                .collect::<Vec<_>>(),
            encounters
                .iter()
                .map(|e| (
                    e.encounter.sector,
                    e.encounter.round,
                    e.encounter.participants.len()
                ))
                .collect::<Vec<_>>()
        );
        for id in &l.messages {
            assert!(
                messages.contains(id),
                "kill {round}: acknowledged message {id} is missing"
            );
        }
    }
    if let Some((combat_id, acked_round)) = fight.lock().unwrap().clone() {
        let e = encounters
            .iter()
            .map(|stored| &stored.encounter)
            .find(|e| e.combat_id == combat_id);
        if let Some(e) = e {
            assert!(
                e.round == acked_round || e.round == acked_round + 1,
                "kill {round}: round {} vs acked {acked_round}",
                e.round
            );
        }
    }
}
