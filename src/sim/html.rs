//! The HTML report: one self-contained page (inline SVG and CSS, no scripts, no network) with the
//! outcome rates and rounds against every swept value (with their 95 % intervals), a heatmap per
//! outcome when two keys are swept, histograms of rounds and losses, the scenario and balance the
//! run used, and the full table.

use super::chart::{LineChart, Scale, Series, esc, label, line_chart};
use super::plots::{Heat, bins, heatmap, histogram};
use super::report::{Rate, Report, RoundsStats, Summary, rounds_stats, wilson};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Grid points shown with their own histograms (a big grid would make a very long page).
const HISTOGRAM_POINTS: usize = 24;

pub const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222;max-width:1400px}svg.chart{display:inline-block;margin:.5em .5em .5em 0;border:1px solid #eee;vertical-align:top}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}td.num{text-align:right}.sig{background:#fde2c8;font-weight:bold}.note{color:#555;font-size:13px}details{margin:.5em 0}";

/// The outcomes any point has, sorted.
pub fn outcomes(report: &Report) -> Vec<String> {
    let mut out: Vec<String> = report
        .points
        .iter()
        .flat_map(|p| p.summary.outcomes.keys().cloned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The swept keys, in the order they were given.
pub fn keys(report: &Report) -> Vec<String> {
    if !report.sweeps.is_empty() {
        return report.sweeps.iter().map(|s| s.key.clone()).collect();
    }
    report
        .points
        .first()
        .map(|p| p.params.keys().cloned().collect())
        .unwrap_or_default()
}

/// A key's values, in the order given (or as they first appear among the points).
pub fn key_values(report: &Report, key: &str) -> Vec<toml::Value> {
    if let Some(s) = report.sweeps.iter().find(|s| s.key == key) {
        return s.values.clone();
    }
    let mut values: Vec<toml::Value> = Vec::new();
    for p in &report.points {
        if let Some(v) = p.params.get(key).filter(|v| !values.contains(v)) {
            values.push(v.clone());
        }
    }
    values
}

/// The points with these values set, added up: every point has the same number of encounters, so
/// the pooled rate is the mean of the points' rates, and its interval comes from all the counts.
pub struct Pool {
    pub encounters: u64,
    pub outcomes: BTreeMap<String, u64>,
    pub rounds: BTreeMap<u32, u64>,
}

impl Pool {
    pub fn of(report: &Report, set: &[(&str, &toml::Value)]) -> Pool {
        let mut pool = Pool {
            encounters: 0,
            outcomes: BTreeMap::new(),
            rounds: BTreeMap::new(),
        };
        let matching = report
            .points
            .iter()
            .filter(|p| set.iter().all(|(k, v)| p.params.get(*k) == Some(*v)));
        for p in matching {
            pool.add(&p.summary);
        }
        pool
    }

    fn add(&mut self, s: &Summary) {
        self.encounters += s.encounters;
        for (o, r) in &s.outcomes {
            *self.outcomes.entry(o.clone()).or_default() += r.count;
        }
        for (r, n) in &s.rounds_histogram {
            *self.rounds.entry(*r).or_default() += n;
        }
    }

    pub fn rate(&self, outcome: &str) -> Rate {
        wilson(
            self.outcomes.get(outcome).copied().unwrap_or(0),
            self.encounters,
        )
    }

    pub fn rounds(&self) -> RoundsStats {
        rounds_stats(&self.rounds)
    }
}

/// One pooled statistic per value of `key`, as chart points on `scale`.
pub fn key_series(
    report: &Report,
    key: &str,
    scale: &Scale,
    stat: &dyn Fn(&Pool) -> (f64, [f64; 2]),
) -> Vec<(f64, f64, Option<[f64; 2]>)> {
    key_values(report, key)
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (y, ci) = stat(&Pool::of(report, &[(key, v)]));
            (scale.coord(i, v), y, Some(ci))
        })
        .collect()
}

pub fn render(report: &Report) -> String {
    let outcomes = outcomes(report);
    let keys = keys(report);
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1><p>{} encounters per point · seed {} · rng {} · path {} · {} point(s). Shaded bands and bracketed figures are 95&nbsp;% intervals (Wilson for rates, normal for mean rounds).</p>",
        esc(&report.scenario),
        report.encounters_per_point,
        report.seed,
        esc(&report.rng),
        esc(&report.path),
        report.points.len()
    );
    if keys.is_empty() {
        body.push_str(&key_charts(report, None, &outcomes));
    }
    for key in &keys {
        body.push_str(&key_charts(report, Some(key), &outcomes));
    }
    if keys.len() >= 2 {
        body.push_str(&heatmaps(report, &keys, &outcomes));
    }
    body.push_str(&histograms(report, &keys));
    body.push_str(&points_table(report, &keys, &outcomes));
    body.push_str(&super::echo::settings(report));
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>{}</body></html>\n",
        esc(&report.scenario),
        body
    )
}

/// Outcome rates and mean rounds against one swept key's values (pooled over the other keys),
/// or at the single point when nothing is swept.
fn key_charts(report: &Report, key: Option<&str>, outcomes: &[String]) -> String {
    let (scale, name) = match key {
        Some(k) => (Scale::for_values(&key_values(report, k)), k),
        None => (Scale::Categorical(vec!["this scenario".into()]), ""),
    };
    let series_of = |stat: &dyn Fn(&Pool) -> (f64, [f64; 2])| match key {
        Some(k) => key_series(report, k, &scale, stat),
        None => {
            let (y, ci) = stat(&Pool::of(report, &[]));
            vec![(0.0, y, Some(ci))]
        }
    };
    let series: Vec<Series> = outcomes
        .iter()
        .enumerate()
        .map(|(n, o)| Series {
            name: o.clone(),
            points: series_of(&|p: &Pool| {
                let r = p.rate(o);
                (r.rate, r.ci95)
            }),
            dashed: false,
            colour: n,
        })
        .collect();
    let against = if name.is_empty() {
        String::new()
    } else {
        format!(" against {name}")
    };
    let mut out = line_chart(
        &LineChart {
            title: &format!("Outcome rates{against}"),
            x_label: name,
            y_label: "rate",
            scale: &scale,
            y_max: 1.0,
            percent: true,
        },
        &series,
    );
    let rounds = Series {
        name: "mean rounds".into(),
        points: series_of(&|p: &Pool| {
            let r = p.rounds();
            (r.mean, r.ci95)
        }),
        dashed: false,
        colour: 0,
    };
    let top = rounds
        .points
        .iter()
        .filter_map(|p| p.2.map(|c| c[1]))
        .fold(0.0, f64::max)
        * 1.1;
    out.push_str(&line_chart(
        &LineChart {
            title: &format!("Mean rounds{against}"),
            x_label: name,
            y_label: "rounds",
            scale: &scale,
            y_max: top,
            percent: false,
        },
        &[rounds],
    ));
    out
}

/// One heatmap per outcome over the first two swept keys (pooled over any others).
fn heatmaps(report: &Report, keys: &[String], outcomes: &[String]) -> String {
    let (kx, ky) = (&keys[0], &keys[1]);
    let (vx, vy) = (key_values(report, kx), key_values(report, ky));
    let xs: Vec<String> = vx.iter().map(label).collect();
    let ys: Vec<String> = vy.iter().map(label).collect();
    let mut out = String::from("<h2>Outcome rates over the first two swept keys</h2>");
    for o in outcomes {
        let cells: Vec<Vec<Option<f64>>> = vy
            .iter()
            .map(|y| {
                vx.iter()
                    .map(|x| {
                        let pool = Pool::of(report, &[(kx, x), (ky, y)]);
                        (pool.encounters > 0).then(|| pool.rate(o).rate)
                    })
                    .collect()
            })
            .collect();
        out.push_str(&heatmap(&Heat {
            title: o,
            x_key: kx,
            y_key: ky,
            xs: &xs,
            ys: &ys,
            cells: &cells,
        }));
    }
    out
}

/// Rounds and fighters lost per encounter, as histograms, for each grid point (the first
/// [`HISTOGRAM_POINTS`] of them).
fn histograms(report: &Report, keys: &[String]) -> String {
    let mut out = String::from("<h2>Distributions</h2>");
    for p in report.points.iter().take(HISTOGRAM_POINTS) {
        let at: Vec<String> = keys
            .iter()
            .filter_map(|k| p.params.get(k).map(|v| format!("{k}={}", label(v))))
            .collect();
        if !at.is_empty() {
            let _ = write!(out, "<h3>{}</h3>", esc(&at.join(", ")));
        }
        let rounds: BTreeMap<i64, u64> = p
            .summary
            .rounds_histogram
            .iter()
            .map(|(r, n)| (i64::from(*r), *n))
            .collect();
        let rb = bins(&[&rounds]).remove(0);
        out.push_str("<div>");
        out.push_str(&histogram(
            "Rounds",
            "rounds per encounter",
            &[("encounters".into(), rb)],
        ));
        let sides: Vec<(&String, &BTreeMap<i64, u64>)> = p
            .summary
            .sides
            .iter()
            .map(|(s, st)| (s, &st.fighters_lost_histogram))
            .collect();
        let hists: Vec<&BTreeMap<i64, u64>> = sides.iter().map(|s| s.1).collect();
        let groups = sides
            .iter()
            .map(|s| s.0.clone())
            .zip(bins(&hists))
            .collect::<Vec<_>>();
        out.push_str(&histogram(
            "Fighters lost",
            "fighters lost per encounter",
            &groups,
        ));
        out.push_str("</div>");
    }
    if report.points.len() > HISTOGRAM_POINTS {
        let _ = write!(
            out,
            "<p class=\"note\">Histograms of the first {HISTOGRAM_POINTS} of {} points; the JSON has them all.</p>",
            report.points.len()
        );
    }
    out
}

pub fn pct(r: &Rate) -> String {
    format!(
        "{:.1}% [{:.1}–{:.1}]",
        r.rate * 100.0,
        r.ci95[0] * 100.0,
        r.ci95[1] * 100.0
    )
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
            let v = p.params.get(k).map(label).unwrap_or_default();
            let _ = write!(table, "<td>{}</td>", esc(&v));
        }
        for o in outcomes {
            let r = p.summary.outcomes.get(o);
            let _ = write!(
                table,
                "<td class=\"num\">{}</td>",
                r.map_or("0%".into(), pct)
            );
        }
        let r = &p.summary.rounds;
        let _ = write!(
            table,
            "<td class=\"num\">{:.2} [{:.2}–{:.2}]</td></tr>",
            r.mean, r.ci95[0], r.ci95[1]
        );
    }
    table.push_str("</table>");
    table
}
