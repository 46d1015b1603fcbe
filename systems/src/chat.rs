//! Chat: `send_message`, broadcast or direct.

use crate::action_log::log_action;
use crate::outbox::record;
use bang_components::api::Endpoint;
use bang_components::api::events::ChatMessage;
use bang_components::api::payloads::SendMessageResult;
use bang_components::api::requests::{SendMessageRequest, given};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::balance::Balance;
use bang_components::chat::ChatLog;
use bang_components::game_events::GameEvent;
use bang_components::messages::{Audience, ChatRecorded};
use bang_components::session::ConnectionId;
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;
use serde_json::json;

/// `send_message`: checks in the reference's order, then the rate limit, then the message is
/// stored (history survives restarts) and delivered: a broadcast to every connection with chat on,
/// a direct message to the connections that bound the recipient's or the sender's name.
pub fn send_message(
    world: &mut World,
    conn: ConnectionId,
    req: SendMessageRequest,
) -> ApiResult<SendMessageResult> {
    let kind = req.message_type.as_deref();
    let (Some(from), Some(kind @ ("broadcast" | "direct"))) = (given(&req.character_id), kind)
    else {
        return Err(ApiError::bad_request("Invalid parameters"));
    };
    let content = req.content.as_deref().unwrap_or_default();
    if content.trim().is_empty() {
        return Err(ApiError::bad_request("Empty content"));
    }
    let rules = world.resource::<Balance>().chat.clone();
    if content.chars().count() > rules.max_length {
        return Err(ApiError::bad_request(format!(
            "Content too long (max {})",
            rules.max_length
        )));
    }
    // Control characters other than newline and tab can forge terminal output in clients' logs.
    if content
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ApiError::bad_request("Content contains control characters"));
    }
    let to_name = match kind {
        "direct" => Some(
            given(&req.to_name)
                .ok_or_else(|| ApiError::bad_request("Missing to_name for direct message"))?
                .to_string(),
        ),
        _ => None,
    };
    let now = world.resource::<GameClock>().now();
    let window = (rules.min_interval_secs * 1_000_000.0) as i64;
    let mut log = world.resource_mut::<ChatLog>();
    if !log.admit(from, conn, now, window) {
        let detail = if rules.min_interval_secs == 1.0 {
            "Rate limit 1 msg/sec".to_string()
        } else {
            format!("Rate limit: one message per {} s", rules.min_interval_secs)
        };
        return Err(ApiError::new(429, detail));
    }
    let id = log.take_id();
    let message = ChatMessage {
        id,
        timestamp: now,
        message_type: kind.to_string(),
        from_name: from.to_string(),
        content: content.to_string(),
        to_name: to_name.clone(),
    };
    let audience = match &to_name {
        None => Audience::ChatNames(Vec::new()),
        Some(to) => Audience::ChatNames(vec![to.clone(), from.to_string()]),
    };
    let from = from.to_string();
    log_action(
        world,
        "chat.message_sent",
        Some(&from),
        Some(conn),
        &json!({"message_id": id, "type": kind, "content": content, "to_name": to_name}),
    );
    record(world, GameEvent::MessageSent(message.clone()), audience);
    world.write_message(ChatRecorded(message));
    Ok(SendMessageResult { id })
}

/// `send_message`: A broadcast or a direct message.
pub struct SendMessage;

impl Endpoint for SendMessage {
    const NAME: &'static str = "send_message";
    type Request = SendMessageRequest;
    type Result = SendMessageResult;

    fn acting_for(request: &SendMessageRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: SendMessageRequest,
    ) -> ApiResult<SendMessageResult> {
        send_message(world, conn, request)
    }
}
