//! What an endpoint is. Each endpoint is one `impl Endpoint` beside its rule (its wire name, its
//! request and result types, whom it acts for, its handler); the table in
//! `bang_systems::rpc` lists them, one line each, and everything else (decoding, dispatch, the
//! ownership check, the schemas, the names clients may send) comes from that table.

use super::ApiError;
use super::fields::Validate;
use crate::session::{ConnectionId, WireDialect};
use bevy_ecs::world::World;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// How a request arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `{"type": "rpc", "endpoint": NAME, "payload": {...}}` (or no `type`).
    Rpc,
    /// `{"type": NAME, ...}`: the frame itself is the request (`identify`, `subscribe`).
    Control,
}

/// One endpoint's declaration.
pub trait Endpoint: 'static {
    /// The name on the wire.
    const NAME: &'static str;
    const FRAMING: Framing = Framing::Rpc;
    /// Whether a payload of any shape is accepted and ignored (`server_status` takes none).
    const IGNORES_PAYLOAD: bool = false;
    /// The dialects that offer the endpoint. Where the dialects answer one name differently,
    /// each has its own declaration under that name.
    const DIALECTS: &'static [WireDialect] = &WireDialect::ALL;

    type Request: DeserializeOwned + Validate + JsonSchema + std::fmt::Debug + Clone + Send + Sync;
    type Result: Serialize + JsonSchema + Send + Sync + std::fmt::Debug;

    /// The characters the request acts for or reads: each must be joined on the connection.
    fn acting_for(_request: &Self::Request) -> Vec<&Option<String>> {
        Vec::new()
    }

    /// Validates the request against the World and applies it.
    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: Self::Request,
    ) -> Result<Self::Result, ApiError>;

    /// Runs once the success reply is queued, for what must follow it (`subscribe`'s status).
    fn after_reply(_world: &mut World, _conn: ConnectionId, _result: &Self::Result) {}
}

/// Decodes a payload into a typed request. Wrong JSON types are 422 with the field's path;
/// bounds the type cannot express (lengths) are checked by `Validate`.
pub fn decode_payload<T: DeserializeOwned + Validate>(payload: Value) -> Result<T, ApiError> {
    let value: T = serde_path_to_error::deserialize(payload).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ApiError::unprocessable(format!("Invalid field '{path}': {inner}"))
            .with_code("invalid_field")
    })?;
    value
        .validate()
        .map_err(|detail| ApiError::unprocessable(detail).with_code("invalid_field"))?;
    Ok(value)
}

/// The request of an endpoint that takes no payload.
#[derive(Debug, Clone, Default, serde::Deserialize, JsonSchema)]
pub struct NoPayload {}

impl Validate for NoPayload {
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// For `Endpoint::DIALECTS`: the seed's dialect only.
pub const ONLY_2025_10: &[WireDialect] = &[WireDialect::V2025_10];
/// For `Endpoint::DIALECTS`: the 2026-01 dialect only.
pub const ONLY_2026_01: &[WireDialect] = &[WireDialect::V2026_01];
