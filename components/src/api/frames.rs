//! The frame envelopes in both directions. The server serialises its frames with these types; the
//! client ones exist to document (and generate the schema of) what clients send.

use crate::api::ApiError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Any client frame. `type` defaults to `rpc`; `identify` and `subscribe` use the extra fields.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ClientFrame {
    /// Echoed (as a string) in the reply.
    pub id: Option<serde_json::Value>,
    #[serde(rename = "type")]
    pub frame_type: Option<String>,
    /// RPC endpoint name (see the endpoint table).
    pub endpoint: Option<String>,
    /// RPC arguments; omitted means `{}`.
    pub payload: Option<serde_json::Map<String, serde_json::Value>>,
    /// identify/subscribe: the character to bind.
    pub character_id: Option<String>,
    /// identify/subscribe: the name to bind for direct chat.
    pub name: Option<String>,
    /// subscribe: `status.update` or `chat.message`.
    pub event: Option<String>,
}

/// A successful reply.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RpcOkFrame<'a> {
    pub frame_type: &'a str,
    pub id: &'a str,
    pub endpoint: &'a str,
    pub ok: bool,
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub result: &'a RawValue,
}

/// An error reply.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RpcErrorFrame<'a> {
    pub frame_type: &'a str,
    pub id: &'a str,
    pub endpoint: &'a str,
    pub ok: bool,
    pub error: &'a ApiError,
}

/// A pushed event.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EventFrame<'a> {
    pub frame_type: &'a str,
    pub event: &'a str,
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub payload: &'a RawValue,
    /// Always equal to `event` (kept for older clients).
    #[serde(rename = "gg-action")]
    pub gg_action: &'a str,
    /// Present when the event is addressed to characters: every addressed id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub character_filter: Option<&'a [String]>,
}

/// A pushed event in the 2026-01 dialect: no `gg-action`, no `character_filter`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PlainEventFrame<'a> {
    pub frame_type: &'a str,
    pub event: &'a str,
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub payload: &'a RawValue,
}
