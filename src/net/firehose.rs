//! `/api/firehose`: a WebSocket stream of every event the server sends and every action the
//! action log records (trades included, which send no event), for operators and the seed-era
//! viewers (`tools/firehose_viewer.py`, `tools/character_viewer.py`). It reads nothing from its
//! clients (the viewers send a bare `ping` text now and then) and follows the same outbox and
//! slow-client rules as a player's connection. Frames leave after the update's commit.

use super::bridge::{Deliveries, Outboxes};
use crate::store::plugin::{AfterCommitQueue, StoreFailed};
use axum::extract::ws::Utf8Bytes;
use bang_components::messages::{ActionLogged, Audience, FrameQueued};
use bang_components::time::{GameClock, Timestamp};
use bevy_ecs::prelude::*;
use serde::Serialize;
use serde_json::value::RawValue;

/// How much of each event a firehose connection gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// One line per event: its name, who it concerns and who it went to (what the viewers show
    /// whole; a status payload would fill their screen).
    Summary,
    /// The event's payload too (`?detail=full`).
    Full,
}

/// The first frame on a firehose connection (the planning notes' `connected` event).
pub fn hello(now: Timestamp) -> String {
    serde_json::json!({
        "type": "connected",
        "message": "Connected to Gradient Bang firehose",
        "timestamp": now,
    })
    .to_string()
}

/// Who an event went to, as the firehose shows it.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum To<'a> {
    Everyone,
    Characters(&'a [String]),
    ChatNames(&'a [String]),
    Connection(&'a [String]),
}

#[derive(Serialize)]
struct FirehoseFrame<'a> {
    /// The viewers' names where they have one (`join`, `movement`, `admin_move`), else the event.
    #[serde(rename = "type")]
    kind: &'a str,
    timestamp: Timestamp,
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    character_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sector: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_sector: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to_sector: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<To<'a>>,
    /// How many ids or names `to` had before it was cut to `MAX_SHOWN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    to_total: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<&'a RawValue>,
    /// For an action-log entry: what the log records of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a RawValue>,
}

/// Most ids a firehose frame lists in `to` (an event to a crowded sector names thousands).
const MAX_SHOWN: usize = 50;

/// What the viewers read at the top level of a join or a mover's `character.moved`.
#[derive(serde::Deserialize, Default)]
struct Summary<'a> {
    #[serde(borrow)]
    character_id: Option<&'a str>,
    sector: Option<i64>,
    from_sector: Option<i64>,
    to_sector: Option<i64>,
    move_type: Option<&'a str>,
}

/// One event as a firehose frame.
pub fn encode<'a>(
    event: &'a str,
    payload: &'a RawValue,
    audience: &'a Audience,
    now: Timestamp,
    detail: Detail,
) -> String {
    let summary: Summary = match event {
        "character.joined" | "character.moved" => {
            serde_json::from_str(payload.get()).unwrap_or_default()
        }
        _ => Summary::default(),
    };
    // Observers' `character.moved` has no id: only the mover's form is a movement.
    let kind = match (event, summary.character_id, summary.move_type) {
        ("character.joined", Some(_), _) => "join",
        ("character.moved", Some(_), Some("teleport")) => "admin_move",
        ("character.moved", Some(_), _) => "movement",
        _ => event,
    };
    let cut = |list: &'a [String]| &list[..list.len().min(MAX_SHOWN)];
    let (to, total) = match audience {
        Audience::Everyone => (To::Everyone, 0),
        Audience::Characters(ids) => (To::Characters(cut(ids)), ids.len()),
        Audience::ChatNames(names) => (To::ChatNames(cut(names)), names.len()),
        Audience::Connection(_, ids) => (To::Connection(cut(ids)), ids.len()),
    };
    serde_json::to_string(&FirehoseFrame {
        kind,
        timestamp: now,
        event,
        character_id: summary.character_id,
        sector: summary.sector,
        from_sector: summary.from_sector,
        to_sector: summary.to_sector,
        to: Some(to),
        to_total: (total > MAX_SHOWN).then_some(total),
        payload: (detail == Detail::Full).then_some(payload),
        data: None,
    })
    .expect("frame of strings and raw JSON serialises")
}

/// One action-log entry as a firehose frame (its data is small: kept in both details).
pub fn encode_action(action: &ActionLogged) -> String {
    serde_json::to_string(&FirehoseFrame {
        kind: action.event_type,
        timestamp: action.timestamp,
        event: action.event_type,
        character_id: action.actor_id.as_deref(),
        sector: None,
        from_sector: None,
        to_sector: None,
        to: None,
        to_total: None,
        payload: None,
        data: Some(&action.data),
    })
    .expect("frame of strings and raw JSON serialises")
}

/// Sends this update's events and action-log entries to every firehose connection, after the
/// update's commit like everything else.
pub fn stream_firehose(
    mut frames: MessageReader<FrameQueued>,
    mut actions: MessageReader<ActionLogged>,
    outboxes: Res<Outboxes>,
    failed: Option<Res<StoreFailed>>,
    after_commit: Option<ResMut<AfterCommitQueue>>,
    clock: Option<Res<GameClock>>,
) {
    if outboxes.firehose.is_empty() || failed.is_some_and(|f| f.0.is_some()) {
        frames.clear();
        actions.clear();
        return;
    }
    let now = clock.map_or_else(|| GameClock::System.now(), |c| c.now());
    let mut out = Deliveries::default();
    let mut push = |detail: Option<Detail>, text: String| {
        let text = Utf8Bytes::from(text);
        for (conn, d) in &outboxes.firehose {
            if detail.is_none_or(|want| want == *d)
                && let Some(outbox) = outboxes.map.get(conn)
            {
                out.frames.push((*conn, outbox.clone(), text.clone(), None));
            }
        }
    };
    let details: Vec<Detail> = [Detail::Summary, Detail::Full]
        .into_iter()
        .filter(|d| outboxes.firehose.iter().any(|(_, x)| x == d))
        .collect();
    for frame in frames.read() {
        if let FrameQueued::Event { event, audience } = frame
            && let Ok((name, payload)) = super::bridge::rendered(event)
        {
            for &detail in &details {
                let text = encode(name, &payload, audience, now, detail);
                push(Some(detail), text);
            }
        }
    }
    for action in actions.read() {
        push(None, encode_action(action));
    }
    out.send(&outboxes, after_commit);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn frame(event: &str, payload: Value, audience: Audience) -> Value {
        let raw = serde_json::value::to_raw_value(&payload).unwrap();
        serde_json::from_str(&encode(event, &raw, &audience, Timestamp(0), Detail::Full)).unwrap()
    }

    #[test]
    fn joins_and_mover_moves_carry_the_viewers_fields() {
        let j = frame(
            "character.joined",
            json!({"character_id": "a", "sector": 3, "timestamp": "x"}),
            Audience::Everyone,
        );
        assert_eq!(
            (&j["type"], &j["character_id"], &j["sector"], &j["to"]),
            (&json!("join"), &json!("a"), &json!(3), &json!("everyone"))
        );
        let m = frame(
            "character.moved",
            json!({"character_id": "a", "from_sector": 1, "to_sector": 2, "move_type": "normal"}),
            Audience::Characters(vec!["a".into()]),
        );
        assert_eq!(
            (&m["type"], &m["from_sector"], &m["to_sector"]),
            (&json!("movement"), &json!(1), &json!(2))
        );
        assert_eq!(m["to"], json!({"characters": ["a"]}));
        let t = frame(
            "character.moved",
            json!({"character_id": "a", "from_sector": 1, "to_sector": 9, "move_type": "teleport"}),
            Audience::Characters(vec!["a".into()]),
        );
        assert_eq!(t["type"], "admin_move");
    }

    #[test]
    fn other_events_keep_their_name_and_payload() {
        let o = frame(
            "character.moved",
            json!({"name": "a", "movement": "arrive", "move_type": "normal"}),
            Audience::Characters(vec!["b".into()]),
        );
        assert_eq!(o["type"], "character.moved");
        assert!(o.get("character_id").is_none());
        let c = frame(
            "chat.message",
            json!({"id": 1, "content": "hi"}),
            Audience::ChatNames(vec![]),
        );
        assert_eq!(c["type"], "chat.message");
        assert_eq!(c["payload"]["content"], "hi");
        assert_eq!(c["timestamp"], "1970-01-01T00:00:00+00:00");
    }

    #[test]
    fn a_summary_leaves_the_payload_out() {
        let raw = serde_json::value::to_raw_value(&json!({"sector": 1, "big": "x"})).unwrap();
        let audience = Audience::Characters(vec!["a".into()]);
        let line = encode(
            "status.update",
            &raw,
            &audience,
            Timestamp(0),
            Detail::Summary,
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert!(v.get("payload").is_none(), "{v}");
        assert_eq!(v["to"], json!({"characters": ["a"]}));
    }
}
