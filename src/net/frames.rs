//! Decoding client frames into typed requests, on the network thread, and encoding server frames.
//! A frame that cannot become a request is answered here with an error frame naming the problem;
//! the connection stays open.

use bang_components::api::frames::{EventFrame, PlainEventFrame, RpcErrorFrame, RpcOkFrame};
use bang_components::api::{ApiError, Framing};
use bang_components::session::WireDialect;
use bang_systems::endpoints::Request;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The outcome of decoding one text frame.
#[derive(Debug)]
pub enum Decoded {
    Request {
        id: String,
        request: Request,
        /// `payload.actor_character_id`: who acts for the character (the 2026-01 release's
        /// corporation ships are flown by a member naming itself).
        actor: Option<String>,
    },
    Refused {
        id: String,
        endpoint: String,
        error: ApiError,
    },
}

/// A reply id: the request's `id` as a string; a missing or falsy id gets a fresh UUID, as in the
/// reference (such a reply cannot be matched by the client, but it is still sent).
fn reply_id(id: Option<&Value>) -> String {
    match id {
        None | Some(Value::Null) | Some(Value::Bool(false)) => uuid::Uuid::new_v4().to_string(),
        Some(Value::String(s)) if s.is_empty() => uuid::Uuid::new_v4().to_string(),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => uuid::Uuid::new_v4().to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(true)) => "True".to_string(),
        Some(other) => other.to_string(),
    }
}

/// How a JSON value is quoted in an error detail: strings bare, null as `None` (as the
/// reference prints it), anything else as JSON.
fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "None".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn refused(id: String, endpoint: &str, error: ApiError) -> Decoded {
    Decoded::Refused {
        id,
        endpoint: endpoint.to_string(),
        error,
    }
}

/// Decodes one text frame from a connection speaking `dialect`.
pub fn decode(text: &str, dialect: WireDialect) -> Decoded {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => {
            let error = ApiError::bad_request("Invalid JSON").with_code("invalid_json");
            return refused(reply_id(None), "unknown", error);
        }
    };
    let Value::Object(frame) = value else {
        let error = ApiError::bad_request("Frame must be a JSON object").with_code("invalid_frame");
        return refused(reply_id(None), "unknown", error);
    };
    let id = reply_id(frame.get("id"));
    match frame.get("type") {
        None => rpc(id, frame, dialect),
        Some(Value::String(t)) if t == "rpc" => rpc(id, frame, dialect),
        Some(Value::String(t)) => {
            let name = truncate(t);
            match Request::decode(dialect, Framing::Control, &name, Value::Object(frame)) {
                Some(Ok(request)) => Decoded::Request {
                    id,
                    request,
                    actor: None,
                },
                Some(Err(error)) => refused(id, &name, error),
                None => unknown_type(id, &name, &name),
            }
        }
        Some(other) => {
            let shown = shown(Some(other));
            unknown_type(id, "unknown", &shown)
        }
    }
}

/// A frame whose `type` is neither `rpc` nor a control frame's.
fn unknown_type(id: String, endpoint: &str, shown: &str) -> Decoded {
    let detail = format!("Unknown frame type: {shown}");
    let error = ApiError::bad_request(detail).with_code("unknown_frame_type");
    refused(id, endpoint, error)
}

/// Echoed names are capped so a hostile frame cannot make the server echo 64 KiB back.
fn truncate(s: &str) -> String {
    s.chars().take(128).collect()
}

fn rpc(id: String, mut frame: Map<String, Value>, dialect: WireDialect) -> Decoded {
    let name = match frame.get("endpoint") {
        None | Some(Value::Null) => {
            let error = ApiError::not_found("Unknown endpoint: None").with_code("unknown_endpoint");
            return refused(id, "unknown", error);
        }
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => {
            let error =
                ApiError::bad_request("endpoint must be a string").with_code("invalid_frame");
            return refused(id, "unknown", error);
        }
    };
    let name = truncate(&name);
    let payload = match frame.remove("payload") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(payload) => payload,
    };
    let actor = match payload.get("actor_character_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(a)) => Some(truncate(a)),
        Some(_) => {
            let error = ApiError::bad_request("actor_character_id must be a string")
                .with_code("invalid_field");
            return refused(id, &name, error);
        }
    };
    match Request::decode(dialect, Framing::Rpc, &name, payload) {
        Some(Ok(request)) => Decoded::Request { id, request, actor },
        Some(Err(error)) => refused(id, &name, error),
        None => {
            let error = ApiError::not_found(format!("Unknown endpoint: {name}"))
                .with_code("unknown_endpoint");
            refused(id, &name, error)
        }
    }
}

/// Serialises a frame into a buffer sized for it: `to_string` grows by doubling, and the frame
/// keeps its whole buffer until it is written, so a frame just past a power of two held twice
/// the bytes the outbox budget counts.
fn sized<T: serde::Serialize>(frame: &T, payload_len: usize) -> String {
    let mut out = Vec::with_capacity(payload_len + 256);
    serde_json::to_writer(&mut out, frame).expect("frame of strings and raw JSON serialises");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// `{"frame_type":"rpc","id":…,"endpoint":…,"ok":true,"result":…}`
pub fn encode_ok(id: &str, endpoint: &str, result: &RawValue) -> String {
    let frame = RpcOkFrame {
        frame_type: "rpc",
        id,
        endpoint,
        ok: true,
        result,
    };
    sized(&frame, result.get().len() + id.len())
}

/// `{"frame_type":"rpc","id":…,"endpoint":…,"ok":false,"error":{…}}`
pub fn encode_error(id: &str, endpoint: &str, error: &ApiError) -> String {
    serde_json::to_string(&RpcErrorFrame {
        frame_type: "rpc",
        id,
        endpoint,
        ok: false,
        error,
    })
    .expect("frame of strings serialises")
}

/// `{"frame_type":"event","event":…,"payload":…,"gg-action":…[,"character_filter":[…]]}`
pub fn encode_event(
    event: &str,
    payload: &RawValue,
    character_filter: Option<&[String]>,
) -> String {
    let filter_len: usize = character_filter.map_or(0, |f| f.iter().map(|c| c.len() + 3).sum());
    let frame = EventFrame {
        frame_type: "event",
        event,
        payload,
        gg_action: event,
        character_filter,
    };
    sized(&frame, payload.get().len() + filter_len)
}

/// `{"frame_type":"event","event":…,"payload":…}`: the 2026-01 dialect's event frame.
pub fn encode_plain_event(event: &str, payload: &RawValue) -> String {
    let frame = PlainEventFrame {
        frame_type: "event",
        event,
        payload,
    };
    sized(&frame, payload.get().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str) -> (String, String, u16, String) {
        match decode(text, WireDialect::V2025_10) {
            Decoded::Refused {
                id,
                endpoint,
                error,
            } => (id, endpoint, error.status, error.detail),
            Decoded::Request { request, .. } => panic!("expected a refusal, got {request:?}"),
        }
    }

    #[test]
    fn ids_are_echoed_as_strings() {
        for (raw, want) in [("\"abc\"", "abc"), ("7", "7"), ("1.5", "1.5")] {
            let text = format!("{{\"id\":{raw},\"endpoint\":\"server_status\"}}");
            match decode(&text, WireDialect::V2025_10) {
                Decoded::Request { id, request, .. } => {
                    assert_eq!(id, want);
                    assert!(matches!(request, Request::ServerStatus(_)));
                }
                other => panic!("{other:?}"),
            }
        }
        // Falsy ids get a fresh UUID.
        let (id, ..) = refusal("{\"id\":0,\"endpoint\":\"nope\"}");
        assert_eq!(id.len(), 36);
    }

    #[test]
    fn malformed_frames_are_refused_with_the_reason() {
        assert_eq!(refusal("{oops").2, 400);
        assert_eq!(refusal("{oops").3, "Invalid JSON");
        assert_eq!(refusal("[1,2]").3, "Frame must be a JSON object");
        let (_, ep, st, detail) = refusal("{\"id\":\"1\",\"type\":\"unsubscribe\"}");
        assert_eq!(
            (ep.as_str(), st, detail.as_str()),
            ("unsubscribe", 400, "Unknown frame type: unsubscribe")
        );
        let (_, ep, st, detail) = refusal("{\"id\":\"1\",\"type\":null}");
        assert_eq!(
            (ep.as_str(), st, detail.as_str()),
            ("unknown", 400, "Unknown frame type: None")
        );
        let (_, ep, st, detail) = refusal("{\"id\":\"1\"}");
        assert_eq!(
            (ep.as_str(), st, detail.as_str()),
            ("unknown", 404, "Unknown endpoint: None")
        );
        let (_, ep, st, detail) = refusal("{\"id\":\"1\",\"endpoint\":\"warp_drive\"}");
        assert_eq!(
            (ep.as_str(), st, detail.as_str()),
            ("warp_drive", 404, "Unknown endpoint: warp_drive")
        );
        let (_, _, st, _) = refusal("{\"id\":\"1\",\"endpoint\":[1]}");
        assert_eq!(st, 400);
        let (_, _, st, detail) = refusal("{\"id\":\"1\",\"endpoint\":\"join\",\"payload\":[1]}");
        assert_eq!(
            (st, detail.as_str()),
            (422, "payload must be a JSON object")
        );
    }

    #[test]
    fn wrong_field_types_name_the_field() {
        let (_, ep, st, detail) =
            refusal("{\"id\":\"1\",\"endpoint\":\"join\",\"payload\":{\"character_id\":5}}");
        assert_eq!((ep.as_str(), st), ("join", 422));
        assert!(detail.contains("character_id"), "{detail}");
        let (_, _, st, detail) = refusal(
            "{\"id\":\"1\",\"endpoint\":\"plot_course\",\"payload\":{\"from_sector\":\"a\",\"to_sector\":1}}",
        );
        assert_eq!(st, 422);
        assert!(detail.contains("from_sector"), "{detail}");
        let (_, _, st, detail) = refusal(
            "{\"id\":\"1\",\"endpoint\":\"join\",\"payload\":{\"character_id\":\"a\",\"credits\":1e300}}",
        );
        assert_eq!(st, 422);
        assert!(detail.contains("credits"), "{detail}");
        let long = "x".repeat(500);
        let (_, _, st, detail) = refusal(&format!(
            "{{\"id\":\"1\",\"endpoint\":\"my_status\",\"payload\":{{\"character_id\":\"{long}\"}}}}"
        ));
        assert_eq!(st, 422);
        assert!(detail.contains("character_id"), "{detail}");
    }

    #[test]
    fn control_frames_decode_their_top_level_fields() {
        match decode(
            "{\"id\":\"c\",\"type\":\"identify\",\"character_id\":\"alice\"}",
            WireDialect::V2025_10,
        ) {
            Decoded::Request {
                request: Request::Identify(r),
                ..
            } => {
                assert_eq!(r.character_id.as_deref(), Some("alice"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn server_frames_have_the_reference_key_order() {
        let raw = RawValue::from_string("{\"a\":1}".into()).unwrap();
        assert_eq!(
            encode_ok("1", "join", &raw),
            "{\"frame_type\":\"rpc\",\"id\":\"1\",\"endpoint\":\"join\",\"ok\":true,\"result\":{\"a\":1}}"
        );
        let ids = vec!["alice".to_string()];
        assert_eq!(
            encode_event("status.update", &raw, Some(&ids)),
            "{\"frame_type\":\"event\",\"event\":\"status.update\",\"payload\":{\"a\":1},\"gg-action\":\"status.update\",\"character_filter\":[\"alice\"]}"
        );
        assert_eq!(
            encode_error("9", "move", &ApiError::bad_request("no")),
            "{\"frame_type\":\"rpc\",\"id\":\"9\",\"endpoint\":\"move\",\"ok\":false,\"error\":{\"status\":400,\"detail\":\"no\"}}"
        );
    }
}
