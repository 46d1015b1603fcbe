//! HTTP routes: server info, health, the debug map, and the WebSocket upgrade at `/ws`.

use super::firehose::Detail;
use super::listener::Admission;
use super::ws::serve_socket;
use super::{Role, Shared};
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json};
use bang_components::api::payloads::ServerStatusResult;
use bang_components::session::WireDialect;
use bang_systems::maps::debug_map;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(server_info))
        .route("/healthz", get(health))
        .route("/metrics", get(metrics))
        .route("/api/local_map", get(local_map))
        .route("/leaderboard/resources", get(leaderboard))
        .route("/ws", get(upgrade))
        .route("/api/firehose", get(upgrade_firehose))
        .route(
            "/api/account/{action}",
            axum::routing::post(super::account_routes::account),
        )
        .fallback(not_found)
        .with_state(shared)
}

pub(super) fn detail(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "detail": text }))).into_response()
}

async fn not_found() -> Response {
    detail(StatusCode::NOT_FOUND, "Not Found")
}

async fn server_info(State(shared): State<Arc<Shared>>) -> Json<ServerStatusResult> {
    Json(ServerStatusResult::new(shared.universe.sector_count()))
}

/// 200 while the server can acknowledge actions; 503 while the store is out of reach (replies
/// are held until it is back), so a load balancer or an operator's probe sees it.
async fn health(State(shared): State<Arc<Shared>>) -> Response {
    let store = shared.store_health.as_ref().map(|h| h.report());
    let reachable = store.as_ref().is_none_or(|s| s.reachable);
    let body = Json(json!({
        "status": if reachable { "ok" } else { "degraded" },
        "connections": shared.open_connections.load(Ordering::Relaxed),
        "store": store,
    }));
    match reachable {
        true => body.into_response(),
        false => (StatusCode::SERVICE_UNAVAILABLE, body).into_response(),
    }
}

async fn metrics(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !super::auth::metrics(&shared, &headers) {
        return detail(
            StatusCode::UNAUTHORIZED,
            "/metrics needs the metrics token or an operator's session token (Bearer)",
        );
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        shared.metrics.render(),
    )
        .into_response()
}

/// The leaderboard's last standings (at most its refresh interval old; the game loop builds
/// them, so a `force_refresh` here changes nothing).
async fn leaderboard(State(shared): State<Arc<Shared>>) -> Response {
    let standings = shared.standings.read().expect("leaderboard lock").clone();
    match standings {
        Some(board) => Json(board).into_response(),
        None => detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "The leaderboard is being built; try again shortly",
        ),
    }
}

#[derive(Deserialize)]
struct MapQuery {
    center: Option<i64>,
    max_hops: Option<u32>,
    max_nodes: Option<usize>,
}

/// Most nodes the debug map returns, whatever is asked: it walks the whole graph otherwise.
const DEBUG_MAP_MAX_NODES: usize = 1000;

async fn local_map(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<MapQuery>, QueryRejection>,
) -> Response {
    let Query(q) = match query {
        Ok(q) => q,
        Err(e) => return detail(StatusCode::UNPROCESSABLE_ENTITY, &e.body_text()),
    };
    let center = q.center.unwrap_or(0);
    let max_hops = q.max_hops.unwrap_or(3);
    let max_nodes = q.max_nodes.unwrap_or(25).min(DEBUG_MAP_MAX_NODES);
    match debug_map(&shared.universe, center, max_hops, max_nodes) {
        Some(map) => Json(map).into_response(),
        None => detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!(
                "center must be a sector between 0 and {}",
                shared.universe.sector_count() - 1
            ),
        ),
    }
}

/// The socket's admission (see `listener`), kept by the WebSocket for its life.
pub(super) type Admitted = Option<Extension<Arc<Admission>>>;

#[derive(Deserialize)]
struct PlayerQuery {
    /// `2025-10` or `2026-01`; the server's configured default when absent.
    dialect: Option<String>,
    /// A session token: the connection starts logged in with it.
    token: Option<String>,
}

async fn upgrade(
    State(shared): State<Arc<Shared>>,
    admitted: Admitted,
    headers: HeaderMap,
    query: Result<Query<PlayerQuery>, QueryRejection>,
    ws: WebSocketUpgrade,
) -> Response {
    let Ok(Query(q)) = query else {
        return detail(StatusCode::UNPROCESSABLE_ENTITY, "Invalid query");
    };
    let dialect = match q.dialect.as_deref().map(str::parse::<WireDialect>) {
        None => shared.config.dialect,
        Some(Ok(dialect)) => dialect,
        Some(Err(e)) => {
            return detail(StatusCode::UNPROCESSABLE_ENTITY, &format!("dialect: {e}"));
        }
    };
    let token = super::auth::presented(&headers, q.token.as_deref());
    accept(shared, ws, Role::Player(dialect), admitted, token)
}

#[derive(Deserialize)]
struct FirehoseQuery {
    token: Option<String>,
    /// `full` adds every event's payload (the default `summary` keeps frames to a line).
    detail: Option<String>,
}

async fn upgrade_firehose(
    State(shared): State<Arc<Shared>>,
    admitted: Admitted,
    headers: HeaderMap,
    query: Result<Query<FirehoseQuery>, QueryRejection>,
    ws: WebSocketUpgrade,
) -> Response {
    let Ok(Query(q)) = query else {
        return detail(StatusCode::UNPROCESSABLE_ENTITY, "Invalid query");
    };
    if !super::auth::operator(&shared, &headers, q.token.as_deref()) {
        let needs = match shared.config.auth {
            bang_components::account::AuthMode::Open => "the admin token",
            bang_components::account::AuthMode::Accounts => "an operator's session token",
        };
        return detail(
            StatusCode::FORBIDDEN,
            &format!("The firehose requires {needs} (?token=, a Bearer or a basic-auth password)"),
        );
    }
    let level = match q.detail.as_deref() {
        None | Some("summary") => Detail::Summary,
        Some("full") => Detail::Full,
        Some(_) => {
            return detail(
                StatusCode::UNPROCESSABLE_ENTITY,
                "detail must be summary or full",
            );
        }
    };
    accept(shared, ws, Role::Firehose(level), admitted, None)
}

fn accept(
    shared: Arc<Shared>,
    ws: WebSocketUpgrade,
    role: Role,
    admitted: Admitted,
    token: Option<String>,
) -> Response {
    let open = shared.open_connections.load(Ordering::Relaxed);
    if open >= shared.config.max_connections {
        shared.metrics.refused("websockets");
        return detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "Server is at its connection limit",
        );
    }
    let c = &shared.config;
    ws.max_message_size(c.max_message_bytes)
        .max_frame_size(c.max_message_bytes)
        .read_buffer_size(c.socket_buffer_bytes)
        .write_buffer_size(c.socket_buffer_bytes)
        // Any frame the server builds must be sendable: the outbox budget, not this buffer,
        // bounds what waits (a frame past this limit used to stall its connection for good).
        .max_write_buffer_size(usize::MAX)
        .on_upgrade(move |socket| serve_socket(socket, shared, role, admitted.map(|a| a.0), token))
}
