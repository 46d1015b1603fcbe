//! Golden vectors: bang's combat engine against rounds resolved by the reference engine
//! (`tests/golden/combat_vectors.json`, written by `scripts/make-golden-vectors.py`; V1–V15 are
//! spec `combat.md` §12). With the default balance and the reference generator every map, the end
//! state, the effective actions and the number of draws must be equal.

use bang_components::balance::CombatBalance;
use bang_systems::combat::engine::{
    CombatAction, Fighter, RngKind, RoundAction, RoundOutcome, resolve_round,
};
use bang_systems::combat::rng::reference_round_seed;
use serde_json::Value;
use std::collections::BTreeMap;

struct Vector {
    name: String,
    base_seed: i64,
    round: u32,
    participants: Vec<Fighter>,
    actions: BTreeMap<String, RoundAction>,
    expected: Value,
}

fn load() -> Vec<Vector> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/combat_vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("read the golden vectors");
    let doc: Value = serde_json::from_str(&text).expect("golden vectors are JSON");
    doc["vectors"]
        .as_array()
        .expect("a `vectors` array")
        .iter()
        .map(parse_vector)
        .collect()
}

fn parse_vector(v: &Value) -> Vector {
    let name = v["name"].as_str().expect("name").to_string();
    let participants = v["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(|p| Fighter {
            id: p["id"].as_str().expect("id").to_string(),
            fighters: p["fighters"].as_i64().expect("fighters"),
            shields: p["shields"].as_i64().expect("shields"),
            turns_per_warp: p["turns_per_warp"].as_i64().expect("turns_per_warp"),
        })
        .collect();
    let actions = v["actions"]
        .as_object()
        .expect("actions")
        .iter()
        .map(|(id, a)| (id.clone(), parse_action(a)))
        .collect();
    Vector {
        // The reference's unset seed (null) hashes as 0.
        base_seed: v["base_seed"].as_i64().unwrap_or(0),
        round: u32::try_from(v["round"].as_u64().expect("round")).expect("round fits u32"),
        participants,
        actions,
        expected: v["expected"].clone(),
        name,
    }
}

fn parse_action(a: &Value) -> RoundAction {
    let action = match a["action"].as_str().expect("action") {
        "attack" => CombatAction::Attack,
        "brace" => CombatAction::Brace,
        "flee" => CombatAction::Flee,
        "pay" => CombatAction::Pay,
        other => panic!("unknown action {other}"),
    };
    RoundAction {
        action,
        commit: a["commit"].as_i64().expect("commit"),
        target: a["target"].as_str().map(str::to_string),
        destination: a["destination"]
            .as_u64()
            .map(|d| u32::try_from(d).expect("destination fits u32")),
        timed_out: a["timed_out"].as_bool().expect("timed_out"),
    }
}

fn int_map(v: &Value) -> BTreeMap<String, i64> {
    let map = v.as_object().expect("a map");
    map.iter()
        .map(|(k, n)| (k.clone(), n.as_i64().expect("an integer")))
        .collect()
}

fn bool_map(v: &Value) -> BTreeMap<String, bool> {
    let map = v.as_object().expect("a map");
    map.iter()
        .map(|(k, b)| (k.clone(), b.as_bool().expect("a bool")))
        .collect()
}

fn run(v: &Vector, participants: &[Fighter]) -> RoundOutcome {
    resolve_round(
        participants,
        &v.actions,
        v.base_seed,
        v.round,
        RngKind::Reference,
        &CombatBalance::default(),
    )
}

/// Every difference between the engine's outcome and the reference's, one line each.
fn differences(v: &Vector, got: &RoundOutcome) -> Vec<String> {
    let e = &v.expected;
    let mut diffs = Vec::new();
    let mut check = |field: &str, equal: bool, got: String, want: String| {
        if !equal {
            diffs.push(format!(
                "vector {:?}: {field}: engine {got}, reference {want}",
                v.name
            ));
        }
    };
    for (field, ours) in [
        ("hits", &got.losses.hits),
        ("offensive_losses", &got.losses.offensive_losses),
        ("defensive_losses", &got.losses.defensive_losses),
        ("shield_loss", &got.losses.shield_loss),
        ("fighters_remaining", &got.standing.fighters_remaining),
        ("shields_remaining", &got.standing.shields_remaining),
    ] {
        let want = int_map(&e[field]);
        check(
            field,
            *ours == want,
            format!("{ours:?}"),
            format!("{want:?}"),
        );
    }
    let want = bool_map(&e["flee_results"]);
    check(
        "flee_results",
        got.standing.flee_results == want,
        format!("{:?}", got.standing.flee_results),
        format!("{want:?}"),
    );
    let want = e["end_state"].as_str().map(str::to_string);
    check(
        "end_state",
        got.end_state.as_ref().map(|end| end.to_string()) == want,
        format!("{:?}", got.end_state),
        format!("{want:?}"),
    );
    let want: BTreeMap<String, RoundAction> = e["effective_actions"]
        .as_object()
        .expect("effective_actions")
        .iter()
        .map(|(id, a)| (id.clone(), parse_action(a)))
        .collect();
    check(
        "effective_actions",
        got.effective_actions == want,
        format!("{:?}", got.effective_actions),
        format!("{want:?}"),
    );
    let want = e["draws"].as_u64().expect("draws");
    check(
        "draws",
        u64::from(got.draws) == want,
        got.draws.to_string(),
        want.to_string(),
    );
    diffs
}

#[test]
fn engine_matches_the_reference_on_every_golden_vector() {
    let vectors = load();
    let mut failures = Vec::new();
    for v in &vectors {
        failures.extend(differences(v, &run(v, &v.participants)));
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden vectors differ:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}

#[test]
fn participant_order_does_not_change_the_outcome() {
    for v in load() {
        let mut reversed = v.participants.clone();
        reversed.reverse();
        assert_eq!(
            run(&v, &v.participants),
            run(&v, &reversed),
            "vector {:?}: outcome depends on participant order",
            v.name
        );
    }
}

#[test]
fn generator_seeds_match_the_reference() {
    for v in load() {
        let want = v.expected["generator_seed"]
            .as_i64()
            .expect("generator_seed");
        assert_eq!(
            reference_round_seed(v.base_seed, v.round),
            want,
            "vector {:?}: generator seed",
            v.name
        );
    }
}

#[test]
fn the_file_holds_the_spec_vectors_and_more() {
    let vectors = load();
    for n in 1..=15 {
        let prefix = format!("V{n} ");
        assert!(
            vectors.iter().any(|v| v.name.starts_with(&prefix)),
            "spec vector V{n} is missing"
        );
    }
    assert!(vectors.len() >= 30, "only {} vectors", vectors.len());
}
