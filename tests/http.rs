//! The plain HTTP routes (`/`, `/healthz`, `/api/local_map`, `/metrics`) over a real socket on
//! 127.0.0.1:0, against the small test world.

mod common;

use common::{http_get, http_text, start_server};
use serde_json::json;

#[tokio::test]
async fn http_routes_answer_like_the_reference() {
    let (server, _data) = start_server(20.0);
    let get = |path: &str| http_get(server.addr, path.to_string());
    let (status, body) = get("/").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"name": "Gradient Bang", "version": "0.2.0", "status": "running", "sectors": 10})
    );
    let (status, body) = get("/healthz").await;
    assert_eq!((status, body["status"].clone()), (200, json!("ok")));
    let (status, body) = get("/api/local_map?center=0&max_hops=1").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"node_list": [
            {"id": 0, "visited": true, "port_type": null, "adjacent": [1, 2, 5]},
            {"id": 1, "visited": true, "port_type": "BBS", "adjacent": [0]},
            {"id": 2, "visited": true, "port_type": null, "adjacent": [0]},
            {"id": 5, "visited": true, "port_type": "SBS", "adjacent": []}]})
    );
    let (status, _) = get("/api/local_map?center=abc").await;
    assert_eq!(status, 422);
    let (status, body) = get("/nope").await;
    assert_eq!((status, body), (404, json!({"detail": "Not Found"})));
    let (status, text) = http_text(server.addr, "/metrics").await;
    assert_eq!(status, 200);
    for name in [
        "combat_rounds_resolved_total",
        "combat_round_duration_seconds",
        "combat_timeouts_total",
        "combat_flee_attempts_total",
        "combat_flee_success_total",
        "garrison_deployments_total",
        "toll_payments_total",
        "toll_payments_failed_total",
        "websocket_connections",
        "tick_duration_seconds",
        "inbox_depth",
        "slow_client_disconnects_total",
        "rpc_inbox_wait_seconds",
        "store_commit_wait_seconds",
        "store_commit_duration_seconds",
        "store_commit_updates",
    ] {
        assert!(text.contains(name), "/metrics lacks {name}");
    }
}
