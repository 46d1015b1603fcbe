//! The frames each connection receives for every 2025-10 endpoint, in order: the reference's
//! sequences (spec protocol.md 4.4, combat.md 10.9, checked on the wire against the reference;
//! docs/clients.md says how), except where bang departs on purpose (a new character's `join`,
//! the round-1 notice before the reply). Clients build what players and agents read from this
//! order: an extra `status.update` before the `trade` reply made simple_tui report "Credits
//! 760 → 760".

mod common;

use common::{Client, combat_server};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(150);

/// A frame as the sequence shows it: the event name (movement with its form, a status update
/// with whose it is), or REPLY / ERROR.
fn label(f: &Value) -> String {
    if f["frame_type"] == "rpc" {
        return if f["ok"] == true { "REPLY" } else { "ERROR" }.into();
    }
    let event = f["event"].as_str().unwrap_or("?");
    let p = &f["payload"];
    match event {
        "status.update" => format!(
            "status.update({})",
            p["character_id"].as_str().unwrap_or("?")
        ),
        "character.moved" => match p["movement"].as_str() {
            Some(form) => format!("moved:{form}"),
            None => "moved:mover".into(),
        },
        other => other.to_string(),
    }
}

/// Named connections, each bound to one character.
struct Table {
    conns: BTreeMap<&'static str, Client>,
}

impl Table {
    /// Sends one request on `who`'s connection; returns every connection's sequence (the
    /// requester's up to and including its reply, then anything after it; the others' until
    /// quiet). Connections that received nothing are left out.
    async fn step(
        &mut self,
        who: &str,
        endpoint: &str,
        payload: Value,
    ) -> BTreeMap<String, String> {
        let c = self.conns.get_mut(who).expect("known connection");
        let (events, reply) = c.rpc(endpoint, payload).await;
        let mut mine: Vec<String> = events.iter().map(label).collect();
        mine.push(label(&reply));
        mine.extend(c.drain(QUIET).await.iter().map(label));
        let mut out = BTreeMap::new();
        out.insert(who.to_string(), mine.join(" → "));
        for (name, other) in self.conns.iter_mut().filter(|(n, _)| **n != who) {
            let seen: Vec<String> = other.drain(QUIET).await.iter().map(label).collect();
            if !seen.is_empty() {
                out.insert(name.to_string(), seen.join(" → "));
            }
        }
        out
    }

    async fn expect(&mut self, who: &str, endpoint: &str, payload: Value, want: &[(&str, &str)]) {
        let got = self.step(who, endpoint, payload.clone()).await;
        let want: BTreeMap<String, String> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want, "{endpoint} by {who} with {payload}");
    }
}

/// alice and bob in sector 0, carol in sector 1 (each joined on its own connection).
async fn table(server: &bang::server::RunningServer) -> Table {
    let mut conns = BTreeMap::new();
    for (name, sector) in [("alice", 0), ("bob", 0), ("carol", 1)] {
        let mut c = Client::connect(server.addr).await;
        c.ok("join", json!({"character_id": name, "sector": sector}))
            .await;
        conns.insert(name, c);
    }
    for c in conns.values_mut() {
        c.drain(QUIET).await;
    }
    Table { conns }
}

#[tokio::test]
async fn world_endpoints_send_the_references_frames_in_its_order() {
    let (server, _data) = combat_server(15.0);
    let mut t = table(&server).await;
    let a = "alice";
    alone_in_the_world(&mut t).await;
    depot_and_ports(&mut t).await;
    t.expect(
        a,
        "send_message",
        json!({"character_id": a, "type": "broadcast", "content": "hi"}),
        &[
            (a, "chat.message → REPLY"),
            ("bob", "chat.message"),
            ("carol", "chat.message"),
        ],
    )
    .await;
    t.expect(
        "bob",
        "send_message",
        json!({"character_id": "bob", "type": "direct", "to_name": "carol", "content": "psst"}),
        &[("bob", "chat.message → REPLY"), ("carol", "chat.message")],
    )
    .await;
    // A teleport by join: the mover's form, then its status.
    t.expect(
        "carol",
        "join",
        json!({"character_id": "carol", "sector": 0}),
        &[
            ("carol", "moved:mover → status.update(carol) → REPLY"),
            (a, "moved:arrive"),
            ("bob", "moved:arrive"),
        ],
    )
    .await;
}

#[tokio::test]
async fn identify_and_subscribe_answer_as_the_reference_does() {
    let (server, _data) = combat_server(15.0);
    let mut t = table(&server).await;
    let c = t.conns.get_mut("alice").unwrap();
    let (events, reply) = c
        .frame(json!({"type": "identify", "id": "i1", "character_id": "alice"}))
        .await;
    assert!(events.is_empty() && reply["ok"] == true, "{reply}");
    let (events, reply) = c
        .frame(json!({"type": "subscribe", "id": "s1", "event": "status.update", "character_id": "alice"}))
        .await;
    assert!(events.is_empty() && reply["ok"] == true, "{reply}");
    // The status follows the subscribe reply.
    let after: Vec<String> = c.drain(QUIET).await.iter().map(label).collect();
    assert_eq!(after, ["status.update(alice)"]);
    let (events, reply) = c
        .frame(json!({"type": "subscribe", "id": "s2", "event": "chat.message"}))
        .await;
    assert!(events.is_empty() && reply["ok"] == true, "{reply}");
}

#[tokio::test]
async fn garrison_and_combat_endpoints_send_the_references_frames_in_its_order() {
    let (server, _data) = combat_server(15.0);
    let mut t = table(&server).await;
    let (a, b) = ("alice", "bob");
    bob_leaves_a_toll_garrison(&mut t).await;
    // carol arrives from sector 1: the toll garrison engages her, and alice, present, is in the
    // fight; combat events come before the movement notices (bang sends round 1's notice
    // before the reply; the reference sent it from a background task).
    t.expect(
        "carol",
        "move",
        json!({"character_id": "carol", "to_sector": 0}),
        &[
            (
                "carol",
                "combat.started → combat.round_waiting → status.update(carol) → moved:mover → REPLY",
            ),
            (b, "combat.started → combat.round_waiting"),
            (a, "combat.started → combat.round_waiting → moved:arrive"),
        ],
    )
    .await;
    let status = t.step(a, "combat.status", json!({"character_id": a})).await;
    assert_eq!(status.get(a).map(String::as_str), Some("REPLY"));
    // Everyone present acts; the last action resolves the demand round (everyone braced: the
    // open demand keeps the fight going).
    let combat_id = {
        let c = t.conns.get_mut(a).unwrap();
        let r = c.ok("combat.status", json!({"character_id": a})).await;
        r["combat_id"].as_str().unwrap().to_string()
    };
    toll_rounds(&mut t, &combat_id).await;
    // A fight on demand: started and round 1's notice, then the reply.
    t.expect(
        a,
        "combat.initiate",
        json!({"character_id": a, "target_id": "carol", "target_type": "character"}),
        &[
            (a, "combat.started → combat.round_waiting → REPLY"),
            ("carol", "combat.started → combat.round_waiting"),
            (b, "combat.started → combat.round_waiting"),
        ],
    )
    .await;
    t.expect(
        a,
        "salvage.collect",
        json!({"character_id": a, "salvage_id": "none-such"}),
        &[(a, "ERROR")],
    )
    .await;
}

/// alice's requests that concern only her: reads, a join she already has, a move into
/// carol's sector, and trades there.
async fn alone_in_the_world(t: &mut Table) {
    let a = "alice";
    t.expect(a, "server_status", json!({}), &[(a, "REPLY")])
        .await;
    t.expect(
        a,
        "join",
        json!({"character_id": a}),
        &[(a, "status.update(alice) → REPLY")],
    )
    .await;
    t.expect(a, "my_status", json!({"character_id": a}), &[(a, "REPLY")])
        .await;
    for (endpoint, payload) in [
        ("plot_course", json!({"from_sector": 0, "to_sector": 3})),
        ("my_map", json!({"character_id": a})),
        ("local_map", json!({"character_id": a, "max_hops": 2})),
    ] {
        t.expect(a, endpoint, payload, &[(a, "REPLY")]).await;
    }
    // Into carol's sector: the mover's status and form, then the observers'.
    t.expect(
        a,
        "move",
        json!({"character_id": a, "to_sector": 1}),
        &[
            (a, "status.update(alice) → moved:mover → REPLY"),
            ("bob", "moved:depart"),
            ("carol", "moved:arrive"),
        ],
    )
    .await;
    // Sector 1's port sells equipment: a trade is answered by its reply alone.
    let trade =
        json!({"character_id": a, "commodity": "equipment", "quantity": 2, "trade_type": "buy"});
    t.expect(a, "check_trade", trade.clone(), &[(a, "REPLY")])
        .await;
    t.expect(a, "trade", trade, &[(a, "REPLY")]).await;
    let sell =
        json!({"character_id": a, "commodity": "equipment", "quantity": 1, "trade_type": "sell"});
    t.expect(a, "trade", sell, &[(a, "ERROR")]).await;
}

/// Back at the depot beside bob: warp power bought and given, then the operator's port
/// endpoints, which everyone hears.
async fn depot_and_ports(t: &mut Table) {
    let a = "alice";
    // Back to the depot in sector 0 (bob is there).
    t.expect(
        a,
        "move",
        json!({"character_id": a, "to_sector": 0}),
        &[
            (a, "status.update(alice) → moved:mover → REPLY"),
            ("bob", "moved:arrive"),
            ("carol", "moved:depart"),
        ],
    )
    .await;
    t.expect(
        a,
        "recharge_warp_power",
        json!({"character_id": a, "units": 2}),
        &[(a, "warp.purchase → status.update(alice) → REPLY")],
    )
    .await;
    t.expect(
        "bob",
        "transfer_warp_power",
        json!({"from_character_id": "bob", "to_character_id": a, "units": 1}),
        &[
            ("bob", "warp.transfer → status.update(bob) → REPLY"),
            (a, "warp.transfer → status.update(alice)"),
        ],
    )
    .await;
    let everyone = [
        (a, "port.reset"),
        ("bob", "port.reset"),
        ("carol", "port.reset"),
    ];
    let mut want = everyone.to_vec();
    want[0] = (a, "port.reset → REPLY");
    t.expect(a, "reset_ports", json!({}), &want).await;
    let want: Vec<(&str, &str)> = [
        (a, "port.regenerated → REPLY"),
        ("bob", "port.regenerated"),
        ("carol", "port.regenerated"),
    ]
    .to_vec();
    t.expect(a, "regenerate_ports", json!({}), &want).await;
}

/// bob's toll garrison in sector 0 (deployed, its toll changed, a fighter collected), then
/// bob leaves for sector 2.
async fn bob_leaves_a_toll_garrison(t: &mut Table) {
    let (a, b) = ("alice", "bob");
    let deploy =
        json!({"character_id": b, "sector": 0, "quantity": 10, "mode": "toll", "toll_amount": 25});
    t.expect(
        b,
        "combat.leave_fighters",
        deploy,
        &[(b, "sector.garrison_updated → REPLY")],
    )
    .await;
    let mode = json!({"character_id": b, "sector": 0, "mode": "toll", "toll_amount": 30});
    t.expect(
        b,
        "combat.set_garrison_mode",
        mode,
        &[(b, "sector.garrison_updated → REPLY")],
    )
    .await;
    let collect = json!({"character_id": b, "sector": 0, "quantity": 1});
    t.expect(
        b,
        "combat.collect_fighters",
        collect,
        &[(b, "sector.garrison_updated → REPLY")],
    )
    .await;
    t.expect(
        b,
        "move",
        json!({"character_id": b, "to_sector": 2}),
        &[
            (b, "status.update(bob) → moved:mover → REPLY"),
            (a, "moved:depart"),
        ],
    )
    .await;
}

/// The toll fight's rounds: everyone braces through the demand round, then carol pays and
/// alice's brace ends the fight as toll_satisfied.
async fn toll_rounds(t: &mut Table, combat_id: &str) {
    let (a, b) = ("alice", "bob");
    let act = |who: &str, action: &str| json!({"character_id": who, "combat_id": combat_id, "action": action});
    t.expect(a, "combat.action", act(a, "brace"), &[(a, "REPLY")])
        .await;
    t.expect(
        "carol",
        "combat.action",
        act("carol", "brace"),
        &[
            (
                "carol",
                "combat.round_resolved → status.update(carol) → combat.round_waiting → REPLY",
            ),
            (
                a,
                "combat.round_resolved → status.update(alice) → combat.round_waiting",
            ),
            (b, "combat.round_resolved → combat.round_waiting"),
        ],
    )
    .await;
    // carol pays: her status at the payment; alice's brace completes the round, which ends as
    // toll_satisfied. The owner's status comes before the garrison news (as the reference).
    t.expect(
        "carol",
        "combat.action",
        act("carol", "pay"),
        &[("carol", "status.update(carol) → REPLY")],
    )
    .await;
    t.expect(
        a,
        "combat.action",
        act(a, "brace"),
        &[
            (
                a,
                "combat.round_resolved → status.update(alice) → combat.ended → REPLY",
            ),
            (
                "carol",
                "combat.round_resolved → status.update(carol) → combat.ended",
            ),
            (
                b,
                "combat.round_resolved → status.update(bob) → sector.garrison_updated → combat.ended",
            ),
        ],
    )
    .await;
}
