//! Fuzzing frame decoding and request dispatch (proptest: it runs in CI, unlike cargo-fuzz).
//! Every input gets exactly one answer; bad input is a 4xx naming the problem, never a 500 or a
//! panic. CI runs a few thousand inputs; `BANG_FUZZ_CASES=20000 cargo test --release --test fuzz`
//! runs a long campaign (each case is 50 frames; see docs/BENCHMARKS.md for the recorded run).

mod common;

use bang::net::frames::{Decoded, decode};
use bang_components::api::Framing;
use bang_components::messages::FrameQueued;
use bang_components::session::WireDialect;
use bang_systems::endpoints::Request;
use common::Harness;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const FIELDS: &[&str] = &[
    "character_id",
    "to_sector",
    "to",
    "from_sector",
    "sector",
    "ship_type",
    "credits",
    "commodity",
    "quantity",
    "trade_type",
    "units",
    "from_character_id",
    "to_character_id",
    "fraction",
    "type",
    "content",
    "to_name",
    "combat_id",
    "action",
    "commit",
    "target_id",
    "round",
    "mode",
    "toll_amount",
    "salvage_id",
    "max_hops",
    "max_sectors",
    "current_sector",
    "include_logs",
    "name",
    "event",
    "token",
    "admin_token",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-5i64..20).prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        Just(json!(u64::MAX)),
        "[a-z0-9_.:-]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("c0"),
            Just("c1"),
            Just("ghost"),
            Just("buy"),
            Just("sell"),
            Just("fuel_ore"),
            Just("attack"),
            Just("flee"),
            Just("pay"),
            Just("toll"),
            Just("broadcast"),
            Just("direct"),
            Just("status.update"),
            Just("chat.message")
        ]
        .prop_map(|s| json!(s)),
        "\\PC{0,300}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn payload() -> impl Strategy<Value = Value> {
    proptest::collection::vec((proptest::sample::select(FIELDS), value()), 0..6).prop_map(|kv| {
        let mut m = Map::new();
        for (k, v) in kv {
            m.insert(k.to_string(), v);
        }
        Value::Object(m)
    })
}

fn endpoint(dialect: WireDialect) -> impl Strategy<Value = Value> {
    let names = bang_systems::endpoints::names(dialect, Framing::Rpc);
    prop_oneof![
        8 => proptest::sample::select(names).prop_map(|n| json!(n)),
        1 => scalar(),
    ]
}

/// A frame: mostly well-formed envelopes with hostile payloads, sometimes garbage.
fn frame(dialect: WireDialect) -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (proptest::option::of(scalar()), proptest::option::of(prop_oneof![Just(json!("rpc")), Just(json!("identify")), Just(json!("subscribe")), scalar()]), endpoint(dialect), proptest::option::of(prop_oneof![4 => payload(), 1 => value()]), payload())
            .prop_map(|(id, ty, ep, pl, extra)| {
                let mut m = match extra { Value::Object(m) => m, _ => Map::new() };
                if let Some(id) = id { m.insert("id".into(), id); }
                if let Some(ty) = ty { m.insert("type".into(), ty); }
                m.insert("endpoint".into(), ep);
                if let Some(pl) = pl { m.insert("payload".into(), pl); }
                Value::Object(m).to_string()
            }),
        1 => value().prop_map(|v| v.to_string()),
        1 => "\\PC{0,200}",
    ]
}

/// A world with two characters joined on connection 1, which speaks `dialect`.
fn harness(dialect: WireDialect) -> Harness {
    let mut h = common::harness();
    let conn = h.connect_speaking(dialect);
    for id in ["c0", "c1"] {
        let join = bang_components::api::requests::JoinRequest {
            character_id: Some(id.into()),
            ..Default::default()
        };
        let req = match dialect {
            WireDialect::V2025_10 => Request::Join(join),
            WireDialect::V2026_01 => Request::Join2026(join),
        };
        h.request(conn, req);
    }
    h
}

fn check(h: &mut Harness, text: &str, dialect: WireDialect) -> Result<(), TestCaseError> {
    match decode(text, dialect) {
        Decoded::Refused { error, .. } => {
            prop_assert!((400..500).contains(&error.status), "{text} -> {error:?}");
            prop_assert!(!error.detail.is_empty());
        }
        Decoded::Request { request, .. } => {
            let conn = bang_components::session::ConnectionId(1);
            let frames = h.request(conn, request);
            let replies: Vec<&FrameQueued> = frames
                .iter()
                .filter(|f| matches!(f, FrameQueued::Reply { .. }))
                .collect();
            prop_assert_eq!(replies.len(), 1, "exactly one reply to {}", text);
            if let FrameQueued::Reply { body: Err(e), .. } = replies[0] {
                prop_assert!((400..500).contains(&e.status), "{text} -> {e:?}");
                prop_assert!(!e.detail.is_empty());
            }
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("BANG_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// Batches of 50 hostile frames against one live world.
    #[test]
    fn every_frame_gets_one_answer_and_never_a_500(frames in proptest::collection::vec(frame(WireDialect::V2025_10), 50)) {
        let mut h = harness(WireDialect::V2025_10);
        for text in &frames {
            check(&mut h, text, WireDialect::V2025_10)?;
        }
    }

    /// The same for the 2026-01 dialect's endpoints.
    #[test]
    fn every_2026_frame_gets_one_answer_and_never_a_500(frames in proptest::collection::vec(frame(WireDialect::V2026_01), 50)) {
        let mut h = harness(WireDialect::V2026_01);
        for text in &frames {
            check(&mut h, text, WireDialect::V2026_01)?;
        }
    }
}
