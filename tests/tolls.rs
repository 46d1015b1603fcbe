//! Toll demands against characters that cannot settle them (issue: a fight that could never end).

mod common;

use common::{act, joined, start_with};
use serde_json::json;

/// A server whose toll rule is `toll_hold_needs_means = needs_means`.
fn server(needs_means: bool) -> (bang::server::RunningServer, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let mut balance = bang_components::balance::Balance::default();
    balance.combat.toll_hold_needs_means = needs_means;
    let s = start_with(data.path(), |s| {
        s.seed = Some(42);
        s.balance = bang::server::BalanceSource::Value(Box::new(balance));
    });
    (s, data)
}

/// The keeper's toll garrison (25 credits) in sector 1 with the keeper beside it; an escape pod
/// with `credits` arrives. Returns the pod's connection, the keeper's, and the fight the arrival
/// started.
async fn pod_meets_the_keeper(
    server: &bang::server::RunningServer,
    credits: i64,
) -> (common::Client, common::Client, String) {
    let mut keeper = joined(server, "keeper", json!({"sector": 1})).await;
    let deploy = json!({"character_id": "keeper", "sector": 1, "quantity": 100, "mode": "toll", "toll_amount": 25});
    keeper.ok("combat.leave_fighters", deploy).await;
    let pod_ship = json!({"ship_type": "escape_pod", "credits": credits});
    let mut pod = joined(server, "pod", pod_ship).await;
    let (events, _) = pod
        .rpc("move", json!({"character_id": "pod", "to_sector": 1}))
        .await;
    let started = events
        .iter()
        .find(|e| e["event"] == "combat.started")
        .expect("the toll garrison engages the arrival");
    let combat_id = started["payload"]["combat_id"]
        .as_str()
        .unwrap()
        .to_string();
    (pod, keeper, combat_id)
}

#[tokio::test]
async fn a_pod_that_cannot_pay_is_let_go_after_the_first_all_brace_round() {
    let (server, _data) = server(true);
    let (mut pod, mut keeper, combat_id) = pod_meets_the_keeper(&server, 0).await;
    let (_, paid) = act(&mut pod, "pod", &combat_id, json!({"action": "pay"})).await;
    assert_eq!(paid["pay_processed"], false, "{paid}");
    let (_, r) = act(
        &mut keeper,
        "keeper",
        &combat_id,
        json!({"action": "brace"}),
    )
    .await;
    assert_eq!(r["ended"], true, "{r}");
    assert_eq!(r["outcome"]["result"], "stalemate");
    // The pod is free: it leaves the sector.
    let moved = pod
        .ok("move", json!({"character_id": "pod", "to_sector": 0}))
        .await;
    assert_eq!(moved["sector"], 0);
}

#[tokio::test]
async fn the_reference_rule_holds_the_pod_while_its_owner_braces() {
    let (server, _data) = server(false);
    let (mut pod, mut keeper, combat_id) = pod_meets_the_keeper(&server, 0).await;
    for round in 1..=3 {
        act(&mut pod, "pod", &combat_id, json!({"action": "pay"})).await;
        let (_, r) = act(
            &mut keeper,
            "keeper",
            &combat_id,
            json!({"action": "brace"}),
        )
        .await;
        assert_eq!(r["ended"], false, "round {round}: {r}");
        assert_eq!(r["round"], round + 1, "the next round opens");
    }
}

#[tokio::test]
async fn a_pod_with_the_credits_is_still_held_until_it_pays() {
    let (server, _data) = server(true);
    let (mut pod, mut keeper, combat_id) = pod_meets_the_keeper(&server, 100).await;
    act(&mut pod, "pod", &combat_id, json!({"action": "brace"})).await;
    let (_, r) = act(
        &mut keeper,
        "keeper",
        &combat_id,
        json!({"action": "brace"}),
    )
    .await;
    assert_eq!(r["ended"], false, "it could pay, so the demand stands: {r}");
    act(&mut pod, "pod", &combat_id, json!({"action": "pay"})).await;
    let (_, r) = act(
        &mut keeper,
        "keeper",
        &combat_id,
        json!({"action": "brace"}),
    )
    .await;
    assert_eq!(r["outcome"]["result"], "toll_satisfied", "{r}");
}
