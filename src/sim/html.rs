//! The HTML report: one self-contained page (inline SVG, no scripts, no network) with the outcome
//! rates and rounds against every swept value, and the full table.

use super::report::{Report, Summary};
use std::fmt::Write;

const COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A chart's plotting area in SVG units, so the axes and the series drawn over them place
/// their points alike.
#[derive(Clone, Copy)]
struct Area {
    left: f64,
    top: f64,
    /// Plot width and height (inside the margins).
    pw: f64,
    ph: f64,
    y_max: f64,
    /// How many x labels there are.
    points: usize,
}

impl Area {
    fn x_at(&self, i: usize) -> f64 {
        self.left
            + if self.points <= 1 {
                self.pw / 2.0
            } else {
                self.pw * i as f64 / (self.points - 1) as f64
            }
    }

    fn y_at(&self, v: f64) -> f64 {
        self.top + self.ph - self.ph * (v / self.y_max).clamp(0.0, 1.0)
    }
}

/// A line chart: one line per series over the x labels; values in [0, y_max].
fn chart(
    title: &str,
    y_label: &str,
    xs: &[String],
    series: &[(String, Vec<f64>)],
    y_max: f64,
) -> String {
    let (w, h, left, right, top, bottom) = (640.0, 320.0, 56.0, 150.0, 30.0, 44.0);
    let area = Area {
        left,
        top,
        pw: w - left - right,
        ph: h - top - bottom,
        y_max: if y_max > 0.0 { y_max } else { 1.0 },
        points: xs.len(),
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{t}">"#,
        t = esc(title)
    );
    let _ = write!(
        svg,
        r#"<text x="{left}" y="18" font-size="14" font-weight="bold">{}</text>"#,
        esc(title)
    );
    axes(&mut svg, area, xs, y_label);
    for (n, (name, ys)) in series.iter().enumerate() {
        line(&mut svg, area, n, name, ys);
    }
    svg.push_str("</svg>");
    svg
}

/// The grid with its y values, the x labels under it and the y axis's name.
fn axes(svg: &mut String, area: Area, xs: &[String], y_label: &str) {
    let Area {
        left,
        top,
        pw,
        ph,
        y_max,
        ..
    } = area;
    for k in 0..=4 {
        let v = y_max * k as f64 / 4.0;
        let y = area.y_at(v);
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            left + pw,
            left - 6.0,
            y + 4.0,
            trim(v)
        );
    }
    for (i, x) in xs.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"#,
            area.x_at(i),
            top + ph + 16.0,
            esc(x)
        );
    }
    let _ = write!(
        svg,
        r#"<text x="14" y="{:.1}" font-size="11" transform="rotate(-90 14 {:.1})" text-anchor="middle">{}</text>"#,
        top + ph / 2.0,
        top + ph / 2.0,
        esc(y_label)
    );
}

/// Series `n`: its line, a dot per value (with the value on hover) and its legend entry.
fn line(svg: &mut String, area: Area, n: usize, name: &str, ys: &[f64]) {
    let Area { left, top, pw, .. } = area;
    let colour = COLOURS[n % COLOURS.len()];
    let points: Vec<String> = ys
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", area.x_at(i), area.y_at(*v)))
        .collect();
    let _ = write!(
        svg,
        r#"<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
        points.join(" ")
    );
    for (i, v) in ys.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{}: {}</title></circle>"#,
            area.x_at(i),
            area.y_at(*v),
            esc(name),
            trim(*v)
        );
    }
    let ly = top + 14.0 * n as f64;
    let _ = write!(
        svg,
        r#"<rect x="{}" y="{:.1}" width="10" height="10" fill="{colour}"/><text x="{}" y="{:.1}" font-size="11">{}</text>"#,
        left + pw + 12.0,
        ly,
        left + pw + 26.0,
        ly + 9.0,
        esc(name)
    );
}

fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Averages each point's statistic over the points that share a swept value.
fn by_value<F: Fn(&Summary) -> f64>(
    report: &Report,
    key: &str,
    values: &[String],
    f: F,
) -> Vec<f64> {
    values
        .iter()
        .map(|v| {
            let matching: Vec<f64> = report
                .points
                .iter()
                .filter(|p| p.params.get(key).map(|x| x.to_string()).as_deref() == Some(v.as_str()))
                .map(|p| f(&p.summary))
                .collect();
            if matching.is_empty() {
                0.0
            } else {
                matching.iter().sum::<f64>() / matching.len() as f64
            }
        })
        .collect()
}

pub fn render(report: &Report) -> String {
    let mut outcomes: Vec<String> = report
        .points
        .iter()
        .flat_map(|p| p.summary.outcomes.keys().cloned())
        .collect();
    outcomes.sort();
    outcomes.dedup();
    let keys: Vec<String> = report
        .points
        .first()
        .map(|p| p.params.keys().cloned().collect())
        .unwrap_or_default();
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1><p>{} encounters per point · seed {} · rng {} · {} point(s)</p>",
        esc(&report.scenario),
        report.encounters_per_point,
        report.seed,
        esc(&report.rng),
        report.points.len()
    );
    if keys.is_empty() {
        let xs = vec!["this scenario".to_string()];
        let series: Vec<(String, Vec<f64>)> = outcomes
            .iter()
            .map(|o| {
                (
                    o.clone(),
                    vec![
                        report.points[0]
                            .summary
                            .outcomes
                            .get(o)
                            .map_or(0.0, |r| r.rate),
                    ],
                )
            })
            .collect();
        body.push_str(&chart("Outcome rates", "rate", &xs, &series, 1.0));
    }
    for key in &keys {
        body.push_str(&key_charts(report, key, &outcomes));
    }
    body.push_str(&points_table(report, &keys, &outcomes));
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>body{{font-family:sans-serif;margin:2em;color:#222}}svg.chart{{display:block;margin:1em 0;border:1px solid #eee}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;font-size:13px}}</style></head><body>{}</body></html>\n",
        esc(&report.scenario),
        body
    )
}

/// The two charts of one swept parameter: outcome rates, and mean rounds, against its values
/// (in the order they first appear among the points).
fn key_charts(report: &Report, key: &str, outcomes: &[String]) -> String {
    let mut charts = String::new();
    let mut values: Vec<String> = Vec::new();
    for p in &report.points {
        let v = p.params[key].to_string();
        if !values.contains(&v) {
            values.push(v);
        }
    }
    let series: Vec<(String, Vec<f64>)> = outcomes
        .iter()
        .map(|o| {
            (
                o.clone(),
                by_value(report, key, &values, |s| {
                    s.outcomes.get(o).map_or(0.0, |r| r.rate)
                }),
            )
        })
        .collect();
    charts.push_str(&chart(
        &format!("Outcome rates against {key}"),
        "rate",
        &values,
        &series,
        1.0,
    ));
    let rounds = by_value(report, key, &values, |s| s.rounds.mean);
    let top = rounds.iter().cloned().fold(0.0, f64::max) * 1.1;
    charts.push_str(&chart(
        &format!("Mean rounds against {key}"),
        "rounds",
        &values,
        &[("mean rounds".into(), rounds)],
        top,
    ));
    charts
}

/// Every point with its parameters, outcome rates (with their 95 % intervals) and mean
/// rounds: the figures behind the charts.
fn points_table(report: &Report, keys: &[String], outcomes: &[String]) -> String {
    let mut table = String::new();
    table.push_str("<h2>All points</h2><table><tr>");
    for k in keys {
        let _ = write!(table, "<th>{}</th>", esc(k));
    }
    for o in outcomes {
        let _ = write!(table, "<th>{}</th>", esc(o));
    }
    table.push_str("<th>mean rounds</th></tr>");
    for p in &report.points {
        table.push_str("<tr>");
        for k in keys {
            let _ = write!(table, "<td>{}</td>", esc(&p.params[k].to_string()));
        }
        for o in outcomes {
            let r = p.summary.outcomes.get(o);
            let _ = write!(
                table,
                "<td>{}</td>",
                r.map_or("0%".into(), |r| format!(
                    "{:.1}% [{:.1}–{:.1}]",
                    r.rate * 100.0,
                    r.ci95[0] * 100.0,
                    r.ci95[1] * 100.0
                ))
            );
        }
        let _ = write!(table, "<td>{:.2}</td></tr>", p.summary.rounds.mean);
    }
    table.push_str("</table>");
    table
}
