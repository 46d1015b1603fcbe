//! The account endpoints over HTTP (`POST /api/account/{register,login,logout,…}`, JSON body,
//! token as a Bearer where one is needed). Each call is a one-request connection: opened,
//! asked, answered and closed through the same inbox as a WebSocket's requests, so the game
//! loop answers it exactly as it answers a socket (same checks, limits and audit). The reply's
//! error status becomes the HTTP status.

use super::http::{Admitted, detail};
use super::outbox::{Link, Outbox};
use super::ws::send_control;
use super::{Inbound, Role, Shared};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bang_components::api::Framing;
use bang_components::session::{ConnectionId, WireDialect};
use bang_systems::endpoints::{Request, RequestReceived};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The actions offered over HTTP (`account.` + the path's last part).
const ACTIONS: [&str; 8] = [
    "register",
    "login",
    "logout",
    "change_password",
    "info",
    "create",
    "reset_password",
    "move_character",
];

/// Longest an HTTP caller waits for its answer (a login waits for the password worker).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

pub(super) async fn account(
    State(shared): State<Arc<Shared>>,
    admitted: Admitted,
    Path(action): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !ACTIONS.contains(&action.as_str()) {
        return detail(
            StatusCode::NOT_FOUND,
            &format!("Unknown account action: {action}"),
        );
    }
    let payload: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return detail(StatusCode::BAD_REQUEST, "Invalid JSON"),
        }
    };
    let name = format!("account.{action}");
    let request = match Request::decode(WireDialect::V2025_10, Framing::Rpc, &name, payload) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return error_response(e.status, &Value::from(e.detail), None),
        None => return detail(StatusCode::NOT_FOUND, &format!("Unknown endpoint: {name}")),
    };
    let token = super::auth::presented(&headers, None);
    let peer = admitted.as_ref().map(|a| a.0.peer());
    match ask(&shared, request, peer, token).await {
        Some(frame) => frame_response(&frame),
        None => detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "Server busy, retry shortly",
        ),
    }
}

/// Opens a connection for one request, waits for its reply frame, closes it.
async fn ask(
    shared: &Shared,
    request: Request,
    peer: Option<std::net::IpAddr>,
    token: Option<String>,
) -> Option<String> {
    let conn = ConnectionId(shared.next_conn.fetch_add(1, Ordering::Relaxed));
    let (frames, mut replies) = tokio::sync::mpsc::channel(8);
    let (link, _close) = Link::new(true);
    let outbox = Outbox { frames, link };
    let role = Role::Player(WireDialect::V2025_10);
    let opened = Inbound::Opened {
        conn,
        outbox,
        role,
        peer,
        token,
    };
    if !send_control(shared, opened).await {
        return None;
    }
    let asked = Inbound::Request(Box::new(RequestReceived {
        conn,
        id: "http".into(),
        request,
        actor: None,
        received: Some(Instant::now()),
    }));
    let frame = match send_control(shared, asked).await {
        true => tokio::time::timeout(ANSWER_TIMEOUT, replies.recv())
            .await
            .ok()
            .flatten(),
        false => None,
    };
    send_control(shared, Inbound::Closed { conn }).await;
    frame.map(|f| f.text.to_string())
}

fn frame_response(frame: &str) -> Response {
    let Ok(v) = serde_json::from_str::<Value>(frame) else {
        return detail(StatusCode::INTERNAL_SERVER_ERROR, "Unreadable reply");
    };
    if v["ok"] == Value::Bool(true) {
        return (StatusCode::OK, axum::Json(v["result"].clone())).into_response();
    }
    let error = &v["error"];
    let status = error["status"].as_u64().unwrap_or(500) as u16;
    error_response(status, error, error["retry_after"].as_u64())
}

/// An error as HTTP: its status, the error object as the body (`detail` and `code`), and a
/// `Retry-After` header on a 429.
fn error_response(status: u16, error: &Value, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match error {
        Value::String(d) => serde_json::json!({ "detail": d }),
        other => other.clone(),
    };
    let mut response = (status, axum::Json(body)).into_response();
    if let Some(secs) = retry_after
        && let Ok(value) = secs.to_string().parse()
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
