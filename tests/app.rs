//! App-level tests: the game App driven in memory, the fixed clock stepped by hand.

mod common;

use bang::present::Dialect;
use bang::present::v2025_10::{Seed2025, event_name};
use bang_components::api::requests::{
    CharacterRequest, IntArg, JoinRequest, MoveRequest, SubscribeRequest,
};
use bang_components::messages::{Audience, EventBody, FrameQueued};
use bang_systems::clock::ServerTick;
use bang_systems::endpoints::Request;
use bevy_time::TimeUpdateStrategy;
use common::{Harness, reply_of};
use std::time::Duration;

fn join(id: &str) -> Request {
    Request::Join(JoinRequest {
        character_id: Some(id.into()),
        ..Default::default()
    })
}

fn mv(id: &str, to: i64) -> Request {
    Request::Move(MoveRequest {
        character_id: Some(id.into()),
        to_sector: Some(IntArg::Int(to)),
        to: None,
    })
}

#[test]
fn each_update_steps_the_fixed_clock_exactly_once() {
    let mut h = common::harness();
    let start = h.app.world().resource::<ServerTick>().0;
    for _ in 0..7 {
        h.step();
    }
    assert_eq!(h.app.world().resource::<ServerTick>().0 - start, 7);
}

#[test]
fn manual_time_runs_as_many_ticks_as_have_elapsed() {
    let mut h = common::harness();
    // 30 ms per update at 20 Hz (50 ms per tick): 10 updates = 300 ms = 6 ticks.
    h.app
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
            30,
        )));
    h.step();
    let start = h.app.world().resource::<ServerTick>().0;
    for _ in 0..10 {
        h.step();
    }
    assert_eq!(h.app.world().resource::<ServerTick>().0 - start, 6);
}

#[test]
fn a_request_is_answered_in_the_update_it_arrives() {
    let mut h = common::harness();
    let conn = h.connect();
    let frames = h.request(conn, join("alice"));
    let status = reply_of(&frames).unwrap();
    assert_eq!(status["sector"], 0);
    assert_eq!(status["ship"]["warp_power"], 300);
    // The joiner is bound before its events, so its own status.update precedes the reply.
    let names: Vec<&str> = frames
        .iter()
        .filter_map(|f| match f {
            FrameQueued::Event {
                event: EventBody::Typed(event),
                ..
            } => Some(event_name(event)),
            _ => None,
        })
        .collect();
    assert_eq!(names, vec!["character.joined", "status.update"]);
}

#[test]
fn move_emits_the_reference_order_and_redacts_observers() {
    let mut h = common::harness();
    let (a, b) = (h.connect(), h.connect());
    h.request(a, join("alice"));
    h.request(b, join("bob"));
    h.request(b, mv("bob", 1));
    let frames = h.request(a, mv("alice", 1));
    let summary: Vec<(String, String)> = frames
        .iter()
        .map(|f| match f {
            FrameQueued::Event {
                event: EventBody::Typed(event),
                audience,
            } => {
                let who = match audience {
                    Audience::Characters(ids) => ids.join(","),
                    other => format!("{other:?}"),
                };
                let shown = Seed2025.event(event, None).unwrap().expect("shown");
                let name = shown.name;
                let v: serde_json::Value = serde_json::from_str(shown.payload.get()).unwrap();
                let form = v.get("movement").and_then(|m| m.as_str()).unwrap_or("full");
                (format!("{name}:{form}"), who)
            }
            FrameQueued::Event { .. } => panic!("the harness has no presenter: events stay typed"),
            FrameQueued::Reply { .. } => ("reply".into(), String::new()),
        })
        .collect();
    let want = [
        ("status.update:full", "alice"),
        ("character.moved:full", "alice"),
        ("character.moved:arrive", "bob"),
        ("reply", ""),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(summary, want);
}

#[test]
fn the_same_inputs_give_the_same_frames_bit_for_bit() {
    let run = || {
        let mut h = common::harness();
        let (a, b) = (h.connect(), h.connect());
        let mut out = Vec::new();
        for (conn, req) in [
            (a, join("alice")),
            (b, join("bob")),
            (a, mv("alice", 1)),
            (b, mv("bob", 2)),
            (a, mv("alice", 3)),
            (
                b,
                Request::MyStatus(CharacterRequest {
                    character_id: Some("bob".into()),
                }),
            ),
            (
                a,
                Request::Subscribe(SubscribeRequest {
                    event: Some("status.update".into()),
                    character_id: Some("bob".into()),
                    name: None,
                }),
            ),
        ] {
            for f in h.request(conn, req) {
                out.push(format!("{f:?}"));
            }
        }
        out
    };
    let first = run();
    assert!(first.len() > 10);
    assert_eq!(first, run());
}

#[test]
fn subscribing_to_status_sends_the_reply_then_the_status() {
    let mut h = common::harness();
    let (a, b) = (h.connect(), h.connect());
    h.request(a, join("alice"));
    // Another connection may not listen in on alice.
    let frames = h.request(
        b,
        Request::Subscribe(SubscribeRequest {
            event: Some("status.update".into()),
            character_id: Some("alice".into()),
            name: None,
        }),
    );
    assert_eq!(reply_of(&frames).unwrap_err().0, 403);
    h.request(b, join("alice"));
    let frames = h.request(
        b,
        Request::Subscribe(SubscribeRequest {
            event: Some("status.update".into()),
            character_id: Some("alice".into()),
            name: None,
        }),
    );
    assert_eq!(frames.len(), 2);
    assert!(matches!(&frames[0], FrameQueued::Reply { body: Ok(_), .. }));
    match &frames[1] {
        FrameQueued::Event {
            event: EventBody::Typed(event),
            audience,
        } => {
            assert_eq!(event_name(event), "status.update");
            assert_eq!(*audience, Audience::Connection(b, vec!["alice".into()]));
        }
        other => panic!("{other:?}"),
    }
    // An unknown character: exactly one frame, a 404.
    let frames = h.request(
        b,
        Request::Subscribe(SubscribeRequest {
            event: Some("status.update".into()),
            character_id: Some("ghost".into()),
            name: None,
        }),
    );
    assert_eq!(frames.len(), 1);
    assert_eq!(
        reply_of(&frames).unwrap_err(),
        (404, "Character 'ghost' not found".into())
    );
}

mod conservation {
    use super::*;
    use bang_components::api::requests::TradeRequest;
    use bang_components::character::{CharacterIndex, Credits, Ship};
    use bang_components::economy::{Commodity, PortSide, PortStates, price};
    use proptest::prelude::*;

    const TRADERS: usize = 6;
    const PORT: u32 = 1; // BBS: buys fuel ore and organics, sells equipment.

    #[derive(Debug, Clone)]
    struct Order {
        trader: usize,
        commodity: Commodity,
        quantity: i64,
        buy: bool,
    }

    fn order() -> impl Strategy<Value = Order> {
        (0..TRADERS, 0..3usize, 1..60i64, any::<bool>()).prop_map(|(trader, c, quantity, buy)| {
            Order {
                trader,
                commodity: Commodity::ALL[c],
                quantity,
                buy,
            }
        })
    }

    fn totals(h: &mut Harness) -> (i64, [i64; 3]) {
        let world = h.app.world_mut();
        let mut credits = 0;
        let mut goods = [0i64; 3];
        let mut q = world.query::<(&Credits, &Ship)>();
        for (c, s) in q.iter(world) {
            credits += c.0;
            for (g, held) in goods.iter_mut().zip(s.cargo) {
                *g += held;
            }
        }
        let port = world.resource::<PortStates>().get(PORT).unwrap().clone();
        for (g, stock) in goods.iter_mut().zip(port.stock) {
            *g += stock;
        }
        (credits, goods)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Random interleavings of buys and sells by several characters at one port: stock stays
        /// within [0, capacity], goods are conserved, and credits change by exactly the prices paid.
        #[test]
        fn trades_conserve_credits_and_goods(orders in proptest::collection::vec(order(), 1..80)) {
            let mut h = common::harness();
            let conn = h.connect();
            for t in 0..TRADERS {
                h.request(conn, Request::Join(JoinRequest {
                    character_id: Some(format!("t{t}")),
                    ship_type: Some("atlas_hauler".into()),
                    credits: Some(5_000),
                    sector: Some(PORT as i64),
                    token: None,
                }));
                // Give every trader something the port buys.
                let e = h.app.world().resource::<CharacterIndex>().get(&format!("t{t}")).unwrap();
                h.app.world_mut().get_mut::<Ship>(e).unwrap().cargo = [100, 100, 0];
            }
            let (credits_before, goods_before) = totals(&mut h);
            let mut net_paid = 0i64;
            for o in orders {
                let before = h.app.world().resource::<PortStates>().get(PORT).unwrap().clone();
                let frames = h.request(conn, Request::Trade(TradeRequest {
                    character_id: Some(format!("t{}", o.trader)),
                    commodity: Some(o.commodity.wire_name().into()),
                    quantity: Some(o.quantity),
                    trade_type: Some(if o.buy { "buy" } else { "sell" }.into()),
                }));
                if let Ok(r) = reply_of(&frames) {
                    let i = o.commodity.index();
                    let side = if o.buy { PortSide::Sells } else { PortSide::Buys };
                    let unit = price(o.commodity, side, before.stock[i], before.max_capacity[i]).unwrap();
                    prop_assert_eq!(r["price_per_unit"].as_i64().unwrap(), unit);
                    let total = r["total_price"].as_i64().unwrap();
                    prop_assert_eq!(total, unit * o.quantity);
                    net_paid += if o.buy { total } else { -total };
                }
                let port = h.app.world().resource::<PortStates>().get(PORT).unwrap().clone();
                for i in 0..3 {
                    prop_assert!(port.stock[i] >= 0 && port.stock[i] <= port.max_capacity[i]);
                }
            }
            let (credits_after, goods_after) = totals(&mut h);
            prop_assert_eq!(goods_after, goods_before);
            prop_assert_eq!(credits_before - credits_after, net_paid);
        }
    }
}

#[test]
fn ports_drift_back_toward_their_starting_stock_on_the_fixed_clock() {
    use bang_components::api::requests::TradeRequest;
    use bang_components::economy::PortStates;
    let mut h = common::harness();
    let conn = h.connect();
    h.request(
        conn,
        Request::Join(JoinRequest {
            character_id: Some("t".into()),
            sector: Some(1),
            ..Default::default()
        }),
    );
    let buy = Request::Trade(TradeRequest {
        character_id: Some("t".into()),
        commodity: Some("equipment".into()),
        quantity: Some(25),
        trade_type: Some("buy".into()),
    });
    assert!(reply_of(&h.request(conn, buy)).is_ok());
    let stock = |h: &Harness| h.app.world().resource::<PortStates>().get(1).unwrap().stock[2];
    assert_eq!(stock(&h), 675);
    // Default balance: every 60 s, 2% of capacity (20 units). At 20 Hz that is 1200 ticks,
    // counted from the first tick (the join and the trade each ran one).
    let elapsed = h.app.world().resource::<ServerTick>().0;
    for _ in 0..(1199 - elapsed) {
        h.step();
    }
    assert_eq!(stock(&h), 675, "not before the interval");
    h.step();
    assert_eq!(stock(&h), 695);
    for _ in 0..1200 {
        h.step();
    }
    assert_eq!(stock(&h), 700, "never past the starting stock");
}

mod combat_clock {
    use super::*;
    use bang_components::api::combat::{
        CombatActionRequest, CombatInitiateRequest, GarrisonRequest,
    };
    use bang_components::api::requests::JoinRequest;
    use bang_components::combat::{EncounterIndex, SalvageIndex};

    fn join_at(id: &str, sector: i64) -> Request {
        Request::Join(JoinRequest {
            character_id: Some(id.into()),
            sector: Some(sector),
            ..Default::default()
        })
    }

    fn events(frames: &[FrameQueued]) -> Vec<&'static str> {
        frames
            .iter()
            .filter_map(|f| match f {
                FrameQueued::Event {
                    event: EventBody::Typed(event),
                    ..
                } => Some(event_name(event)),
                _ => None,
            })
            .collect()
    }

    /// `who` attacks `target` with `commit` fighters in `round`.
    fn attack(combat_id: &str, who: &str, target: &str, commit: i64, round: i64) -> Request {
        Request::CombatAction(CombatActionRequest {
            character_id: Some(who.into()),
            combat_id: Some(combat_id.into()),
            action: Some("attack".into()),
            commit: Some(commit),
            target_id: Some(target.into()),
            round: Some(round),
            ..Default::default()
        })
    }

    /// Starts a duel between a and b in sector 0; returns the combat id.
    fn duel(h: &mut Harness) -> (bang_components::session::ConnectionId, String) {
        let conn = h.connect();
        h.request(conn, join_at("a", 0));
        h.request(conn, join_at("b", 0));
        let frames = h.request(
            conn,
            Request::CombatInitiate(CombatInitiateRequest {
                character_id: Some("a".into()),
                ..Default::default()
            }),
        );
        let id = reply_of(&frames).unwrap()["combat_id"]
            .as_str()
            .unwrap()
            .to_string();
        (conn, id)
    }

    #[test]
    fn a_round_resolves_on_the_tick_its_deadline_passes() {
        let mut h = common::harness();
        let (_, _) = duel(&mut h);
        // 15 s at 20 Hz: 300 ticks. Nothing happens before the deadline...
        let mut resolved_at = None;
        for step in 1..=320 {
            let frames = h.step();
            if events(&frames).contains(&"combat.round_resolved") {
                resolved_at = Some(step);
                break;
            }
        }
        // ...and the round resolves on the tick that reaches it, missing actions as braces.
        assert_eq!(resolved_at, Some(300));
        assert!(
            h.app
                .world()
                .resource::<EncounterIndex>()
                .by_sector
                .is_empty(),
            "all-brace round ends the fight"
        );
    }

    #[test]
    fn the_same_seed_fights_the_same_fight() {
        let run = || {
            let mut h = common::harness();
            let (conn, id) = duel(&mut h);
            let mut out = Vec::new();
            for round in 1..=3 {
                for (who, target) in [("a", "b"), ("b", "a")] {
                    let frames = h.request(conn, attack(&id, who, target, 60, round));
                    out.push(format!("{:?}", reply_of(&frames)));
                }
            }
            out
        };
        let first = run();
        assert!(first.iter().any(|r| r.contains("hits")));
        assert_eq!(first, run());
    }

    #[test]
    fn salvage_expires_on_the_fixed_clock() {
        let mut h = common::harness();
        let conn = h.connect();
        h.request(conn, join_at("a", 0));
        h.request(conn, join_at("b", 2));
        h.request(
            conn,
            Request::LeaveFighters(GarrisonRequest {
                character_id: Some("b".into()),
                sector: Some(2),
                quantity: Some(298),
                mode: Some("defensive".into()),
                toll_amount: None,
            }),
        );
        h.request(conn, mv("b", 0));
        let frames = h.request(
            conn,
            Request::CombatInitiate(CombatInitiateRequest {
                character_id: Some("a".into()),
                ..Default::default()
            }),
        );
        let id = reply_of(&frames).unwrap()["combat_id"]
            .as_str()
            .unwrap()
            .to_string();
        let act = |who: &str, action: &str, target: Option<&str>| {
            Request::CombatAction(CombatActionRequest {
                character_id: Some(who.into()),
                combat_id: Some(id.clone()),
                action: Some(action.into()),
                commit: target.map(|_| 100),
                target_id: target.map(str::to_string),
                ..Default::default()
            })
        };
        h.request(conn, act("b", "brace", None));
        let frames = h.request(conn, act("a", "attack", Some("b")));
        assert_eq!(
            reply_of(&frames).unwrap()["outcome"]["result"],
            "b_defeated"
        );
        assert_eq!(h.app.world().resource::<SalvageIndex>().by_id.len(), 1);
        // 900 s at 20 Hz.
        for _ in 0..17_999 {
            h.step();
        }
        assert_eq!(
            h.app.world().resource::<SalvageIndex>().by_id.len(),
            1,
            "not before its time"
        );
        h.step();
        assert!(h.app.world().resource::<SalvageIndex>().by_id.is_empty());
    }

    #[test]
    fn every_round_event_carries_the_whole_history_as_combat_status_shows_it() {
        use bang_components::api::combat::CombatStatusRequest;
        let mut h = common::harness();
        let (conn, id) = duel(&mut h);
        // Light attacks: nobody runs out, so the fight goes on round after round, and each
        // round's payload renders only its own log anew (the earlier ones are kept from before).
        for round in 1..=4 {
            let mut reply = serde_json::Value::Null;
            for (who, target) in [("a", "b"), ("b", "a")] {
                let frames = h.request(conn, attack(&id, who, target, 1, round));
                reply = reply_of(&frames).unwrap();
            }
            assert_eq!(reply["round_resolved"], true, "round {round}");
            assert_eq!(reply["ended"], false, "round {round}");
            let logs = &reply["outcome"]["logs"];
            let status = reply_of(&h.request(
                conn,
                Request::CombatStatus(CombatStatusRequest {
                    combat_id: Some(id.clone()),
                    character_id: Some("a".into()),
                    include_logs: Some(true),
                }),
            ))
            .unwrap();
            assert_eq!(logs.as_array().unwrap().len() as i64, round);
            assert_eq!(logs.as_array().unwrap().last().unwrap()["round"], round);
            assert_eq!(
                logs, &status["logs"],
                "round {round}: the event's history is the fight's history"
            );
        }
    }
}
