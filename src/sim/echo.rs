//! What a report says about the run that made it: settings, the scenario as parsed, and the
//! balance, as HTML tables; and every setting as flat `dotted.key = value` pairs (what
//! `bang sim compare` lists the differences of).

use super::chart::{esc, label};
use super::report::Report;
use super::scenario::{Side, StrategySpec};
use serde_json::Value;
use std::fmt::Write;

/// `prefix.key = value` for every leaf of a JSON tree (array items by index).
pub fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                flatten(&join(k), v, out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                flatten(&join(&i.to_string()), v, out);
            }
        }
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// A report's settings as flat pairs: run settings, `scenario.…` and `balance.…`.
pub fn settings_flat(r: &Report) -> Vec<(String, String)> {
    let mut out = vec![
        ("run.seed".to_string(), r.seed.to_string()),
        (
            "run.encounters_per_point".into(),
            r.encounters_per_point.to_string(),
        ),
        ("run.rng".into(), r.rng.clone()),
        ("run.path".into(), r.path.clone()),
    ];
    for s in &r.sweeps {
        let values: Vec<String> = s.values.iter().map(label).collect();
        out.push((format!("sweep.{}", s.key), values.join(",")));
    }
    let scenario = serde_json::to_value(&r.scenario_spec).unwrap_or(Value::Null);
    flatten("scenario", &scenario, &mut out);
    let balance = serde_json::to_value(&r.balance).unwrap_or(Value::Null);
    flatten("balance", &balance, &mut out);
    out
}

fn strategy(s: &StrategySpec) -> String {
    let mut out = format!("{:?}", s.kind).to_lowercase();
    match s.commit {
        Some(c) => {
            let _ = write!(out, ", commit {c}");
        }
        None => {
            let _ = write!(out, ", commit_fraction {}", s.commit_fraction);
        }
    }
    let _ = write!(out, ", flee_below {}", s.flee_below);
    out
}

fn side_row(side: &Side) -> String {
    let ships: Vec<String> = side
        .ships
        .iter()
        .map(|s| {
            let f = s.fighters.map_or("max".into(), |f| f.to_string());
            let sh = s.shields.map_or("max".into(), |v| v.to_string());
            format!("{} × {} ({f} fighters, {sh} shields)", s.count, s.ship_type)
        })
        .collect();
    let phases: Vec<String> = side
        .phases
        .iter()
        .map(|p| format!("from round {}: {}", p.from_round, strategy(&p.strategy)))
        .collect();
    format!(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
        esc(&side.name),
        esc(&strategy(&side.strategy)),
        esc(&phases.join("; ")),
        esc(&ships.join("; ")),
        side.credits
    )
}

/// The run's settings, its scenario and its balance, as the page's last section.
pub fn settings(r: &Report) -> String {
    let s = &r.scenario_spec;
    let mut out = String::from("<h2 id=\"settings\">Run settings</h2><table class=\"echo\">");
    let sweeps: Vec<String> = r
        .sweeps
        .iter()
        .map(|s| {
            let v: Vec<String> = s.values.iter().map(label).collect();
            format!("{}={}", s.key, v.join(","))
        })
        .collect();
    for (k, v) in [
        ("seed", r.seed.to_string()),
        ("encounters per point", r.encounters_per_point.to_string()),
        ("rng", r.rng.clone()),
        ("path", r.path.clone()),
        ("sweeps", sweeps.join("  ")),
    ] {
        let _ = write!(out, "<tr><th>{k}</th><td>{}</td></tr>", esc(&v));
    }
    let _ = write!(
        out,
        "</table><h2>Scenario “{}”</h2><p>{} · max_rounds {}</p><table class=\"scenario\"><tr><th>side</th><th>strategy</th><th>phases</th><th>ships</th><th>credits</th></tr>",
        esc(&s.name),
        esc(&s.description),
        s.max_rounds
    );
    for side in &s.sides {
        out.push_str(&side_row(side));
    }
    out.push_str("</table>");
    if !s.garrisons.is_empty() {
        out.push_str("<table class=\"garrisons\"><tr><th>garrison owner</th><th>mode</th><th>fighters</th><th>toll</th></tr>");
        for g in &s.garrisons {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&g.owner),
                esc(&g.mode),
                g.fighters,
                g.toll_amount
            );
        }
        out.push_str("</table>");
    }
    out.push_str(&balance(r));
    out
}

/// The combat balance in the open, the rest folded away.
fn balance(r: &Report) -> String {
    let mut flat = Vec::new();
    flatten(
        "",
        &serde_json::to_value(&r.balance).unwrap_or(Value::Null),
        &mut flat,
    );
    let (combat, rest): (Vec<_>, Vec<_>) = flat
        .into_iter()
        .partition(|(k, _)| k.starts_with("combat."));
    let rows = |pairs: &[(String, String)]| -> String {
        pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
                    esc(k),
                    esc(v)
                )
            })
            .collect()
    };
    format!(
        "<h2>Balance (before swept values are set)</h2><table class=\"balance\">{}</table><details><summary>The rest of the balance ({} values)</summary><table>{}</table></details>",
        rows(&combat),
        rest.len(),
        rows(&rest)
    )
}
