//! The HTML page of `bang sim compare`: the settings that differ, every shared point's rates in A
//! and B (significant differences marked), and charts overlaying the two runs with their bands.

use super::chart::{LineChart, Scale, Series, esc, label, line_chart};
use super::compare::Comparison;
use super::html::{Pool, STYLE, key_values, keys, outcomes, pct};
use super::report::Report;
use std::fmt::Write;

fn settings_table(c: &Comparison) -> String {
    if c.settings.is_empty() {
        return "<p>The two runs have the same settings.</p>".into();
    }
    let mut out = String::from(
        "<h2>Settings that differ</h2><table class=\"settings\"><tr><th>key</th><th>A</th><th>B</th></tr>",
    );
    for s in &c.settings {
        let show = |v: &Option<String>| esc(v.as_deref().unwrap_or("(unset)"));
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.key),
            show(&s.a),
            show(&s.b)
        );
    }
    out.push_str("</table>");
    out
}

fn points_table(c: &Comparison) -> String {
    let mut out = String::from(
        "<h2>Every point in both runs</h2><table class=\"diffs\"><tr><th>point</th><th>outcome</th><th>A</th><th>B</th><th>B − A</th><th>p</th></tr>",
    );
    for p in &c.points {
        let params: Vec<String> = p
            .params
            .iter()
            .map(|(k, v)| format!("{k}={}", label(v)))
            .collect();
        let at = esc(&params.join(", "));
        for o in &p.outcomes {
            let class = if o.significant { " class=\"sig\"" } else { "" };
            let _ = write!(
                out,
                "<tr{class} data-significant=\"{}\"><td>{at}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{:+.1} pt</td><td class=\"num\">{:.4}</td></tr>",
                o.significant,
                esc(&o.outcome),
                pct(&o.a),
                pct(&o.b),
                o.diff * 100.0,
                o.p_value
            );
        }
        let r = &p.rounds;
        let class = if r.significant { " class=\"sig\"" } else { "" };
        let _ = write!(
            out,
            "<tr{class}><td>{at}</td><td>mean rounds</td><td>{:.2} [{:.2}–{:.2}]</td><td>{:.2} [{:.2}–{:.2}]</td><td class=\"num\">{:+.2}</td><td class=\"num\">{:.4}</td></tr>",
            r.a_mean,
            r.a_ci95[0],
            r.a_ci95[1],
            r.b_mean,
            r.b_ci95[0],
            r.b_ci95[1],
            r.diff,
            r.p_value
        );
    }
    out.push_str("</table>");
    out
}

/// A statistic of both runs against one key's values (A's values; pooled over other keys).
fn overlay(
    (a, b): (&Report, &Report),
    key: Option<&str>,
    stat: &dyn Fn(&Pool) -> (f64, [f64; 2]),
    colour: usize,
) -> (Scale, Vec<Series>) {
    let values = key.map(|k| key_values(a, k)).unwrap_or_default();
    let scale = match key {
        Some(_) => Scale::for_values(&values),
        None => Scale::Categorical(vec!["this scenario".into()]),
    };
    let series = |r: &Report, name: &str, dashed: bool| {
        let points = match key {
            Some(k) => values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let pool = Pool::of(r, &[(k, v)]);
                    let (y, ci) = stat(&pool);
                    (pool.encounters > 0).then(|| (scale.coord(i, v), y, Some(ci)))
                })
                .collect(),
            None => {
                let (y, ci) = stat(&Pool::of(r, &[]));
                vec![(0.0, y, Some(ci))]
            }
        };
        Series {
            name: name.into(),
            points,
            dashed,
            colour,
        }
    };
    let s = vec![series(a, "A", false), series(b, "B (dashed)", true)];
    (scale, s)
}

fn charts(a: &Report, b: &Report) -> String {
    let ks = keys(a);
    let keys: Vec<Option<&str>> = if ks.is_empty() {
        vec![None]
    } else {
        ks.iter().map(|k| Some(k.as_str())).collect()
    };
    let mut out = String::from("<h2>A against B</h2>");
    for key in keys {
        let name = key.unwrap_or("");
        for (n, o) in outcomes(a).iter().enumerate() {
            let stat = |p: &Pool| {
                let r = p.rate(o);
                (r.rate, r.ci95)
            };
            let (scale, series) = overlay((a, b), key, &stat, n);
            out.push_str(&line_chart(
                &LineChart {
                    title: &format!(
                        "{o}{}",
                        key.map_or(String::new(), |k| format!(" against {k}"))
                    ),
                    x_label: name,
                    y_label: "rate",
                    scale: &scale,
                    y_max: 1.0,
                    percent: true,
                },
                &series,
            ));
        }
        let stat = |p: &Pool| {
            let r = p.rounds();
            (r.mean, r.ci95)
        };
        let (scale, series) = overlay((a, b), key, &stat, 0);
        let top = series
            .iter()
            .flat_map(|s| s.points.iter().filter_map(|p| p.2.map(|c| c[1])))
            .fold(0.0, f64::max)
            * 1.1;
        out.push_str(&line_chart(
            &LineChart {
                title: "Mean rounds",
                x_label: name,
                y_label: "rounds",
                scale: &scale,
                y_max: top,
                percent: false,
            },
            &series,
        ));
    }
    out
}

/// The comparison as one self-contained page.
pub fn html(c: &Comparison, a: &Report, b: &Report) -> String {
    let mut body = format!(
        "<h1>{} vs {}</h1><p>A: {} · B: {}</p><p class=\"note\">{}. {} outcome rate(s) differ significantly (highlighted).</p>",
        esc(&a.scenario),
        esc(&b.scenario),
        esc(&c.a),
        esc(&c.b),
        esc(&c.test),
        c.significant
    );
    body.push_str(&settings_table(c));
    body.push_str(&charts(a, b));
    body.push_str(&points_table(c));
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>compare</title><style>{STYLE}</style></head><body>{body}</body></html>\n"
    )
}
