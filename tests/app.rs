//! App-level tests: the game App driven in memory, the fixed clock stepped by hand.

mod common;

use bang_components::api::Request;
use bang_components::api::requests::{
    CharacterRequest, IntArg, JoinRequest, MoveRequest, SubscribeRequest,
};
use bang_components::messages::{Audience, FrameQueued};
use bang_systems::clock::ServerTick;
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
    let mut h = Harness::new();
    let start = h.app.world().resource::<ServerTick>().0;
    for _ in 0..7 {
        h.step();
    }
    assert_eq!(h.app.world().resource::<ServerTick>().0 - start, 7);
}

#[test]
fn manual_time_runs_as_many_ticks_as_have_elapsed() {
    let mut h = Harness::new();
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
    let mut h = Harness::new();
    let conn = h.connect();
    let frames = h.request(conn, join("alice"));
    let status = reply_of(&frames).unwrap();
    assert_eq!(status["sector"], 0);
    assert_eq!(status["ship"]["warp_power"], 300);
    // The joiner is bound before its events, so its own status.update precedes the reply.
    let names: Vec<&str> = frames
        .iter()
        .filter_map(|f| match f {
            FrameQueued::Event { event, .. } => Some(*event),
            _ => None,
        })
        .collect();
    assert_eq!(names, vec!["character.joined", "status.update"]);
}

#[test]
fn move_emits_the_reference_order_and_redacts_observers() {
    let mut h = Harness::new();
    let (a, b) = (h.connect(), h.connect());
    h.request(a, join("alice"));
    h.request(b, join("bob"));
    h.request(b, mv("bob", 1));
    let frames = h.request(a, mv("alice", 1));
    let summary: Vec<(String, String)> = frames
        .iter()
        .map(|f| match f {
            FrameQueued::Event {
                event,
                audience,
                payload,
            } => {
                let who = match audience {
                    Audience::Characters(ids) => ids.join(","),
                    other => format!("{other:?}"),
                };
                let v: serde_json::Value = serde_json::from_str(payload.get()).unwrap();
                let form = v.get("movement").and_then(|m| m.as_str()).unwrap_or("full");
                (format!("{event}:{form}"), who)
            }
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
        let mut h = Harness::new();
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
    let mut h = Harness::new();
    let (a, b) = (h.connect(), h.connect());
    h.request(a, join("alice"));
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
            event, audience, ..
        } => {
            assert_eq!(*event, "status.update");
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
