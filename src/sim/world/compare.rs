//! `bang sim compare` of two world runs: every figure's run total in A and B with a Welch t
//! test across the replicate worlds, the settings that differ, and the main charts overlaid.

use super::html::{PANELS, panel_lines, top_of};
use super::report::{Estimate, WorldReport, t95};
use crate::sim::chart::{LineChart, Scale, esc, line_chart, trim};
use crate::sim::compare::SettingDiff;
use crate::sim::echo::flatten;
use serde::Serialize;
use std::fmt::Write;

/// One figure's totals in both runs.
#[derive(Debug, Clone, Serialize)]
pub struct FigureDiff {
    pub figure: String,
    pub a: Estimate,
    pub b: Estimate,
    /// B's mean less A's.
    pub difference: f64,
    /// Welch's t and its degrees of freedom (none with fewer than two replicates a side, or
    /// no spread at all).
    pub t: Option<f64>,
    pub df: Option<f64>,
    /// |t| beyond the two-sided 5 % critical value of Student's t at `df` (rounded down).
    pub significant: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorldComparison {
    /// `"world_comparison"`.
    pub kind: String,
    pub a: String,
    pub b: String,
    pub test: String,
    pub settings: Vec<SettingDiff>,
    pub figures: Vec<FigureDiff>,
    pub significant: usize,
}

fn totals_of(r: &WorldReport, figure: &str) -> Vec<f64> {
    r.replicates
        .iter()
        .map(|rep| rep.totals.get(figure).copied().unwrap_or(0.0))
        .collect()
}

fn mean_var(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (
        m,
        v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0),
    )
}

/// Welch's t test of two samples: (t, df), when both have two values or more and some spread.
pub fn welch(a: &[f64], b: &[f64]) -> Option<(f64, f64)> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let ((ma, va), (mb, vb)) = (mean_var(a), mean_var(b));
    let (sa, sb) = (va / a.len() as f64, vb / b.len() as f64);
    if sa + sb == 0.0 {
        return None;
    }
    let t = (mb - ma) / (sa + sb).sqrt();
    let df = (sa + sb).powi(2)
        / (sa.powi(2) / (a.len() as f64 - 1.0) + sb.powi(2) / (b.len() as f64 - 1.0));
    Some((t, df))
}

fn settings(a: &WorldReport, b: &WorldReport) -> Vec<SettingDiff> {
    let flat = |r: &WorldReport| {
        let mut out = vec![("run.seed".to_string(), r.seed.to_string())];
        flatten("population", &r.population, &mut out);
        flatten("balance", &r.balance, &mut out);
        out
    };
    crate::sim::compare::differing(flat(a), flat(b))
}

pub fn compare(a: &WorldReport, b: &WorldReport, names: (&str, &str)) -> WorldComparison {
    let figures: Vec<FigureDiff> = a
        .totals
        .iter()
        .filter_map(|(name, ea)| {
            let eb = b.totals.get(name)?;
            let test = welch(&totals_of(a, name), &totals_of(b, name));
            let significant =
                test.is_some_and(|(t, df)| t.abs() > t95(df.floor().max(1.0) as usize));
            Some(FigureDiff {
                figure: name.clone(),
                a: *ea,
                b: *eb,
                difference: super::report::tidy(eb.mean - ea.mean),
                t: test.map(|(t, _)| super::report::tidy(t)),
                df: test.map(|(_, df)| super::report::tidy(df)),
                significant,
            })
        })
        .collect();
    WorldComparison {
        kind: "world_comparison".into(),
        a: names.0.into(),
        b: names.1.into(),
        test: "Welch's t test of the run totals across replicate worlds, two-sided, 5 %".into(),
        settings: settings(a, b),
        significant: figures.iter().filter(|f| f.significant).count(),
        figures,
    }
}

pub fn text(c: &WorldComparison) -> String {
    let mut out = format!("A = {}\nB = {}\n", c.a, c.b);
    for s in &c.settings {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
        let _ = writeln!(out, "  setting {}: {} → {}", s.key, show(&s.a), show(&s.b));
    }
    let _ = writeln!(
        out,
        "{} figure(s) differ significantly ({}):",
        c.significant, c.test
    );
    for f in c.figures.iter().filter(|f| f.significant) {
        let _ = writeln!(
            out,
            "  {:<34} A {:>14}  B {:>14}  B−A {:>14}  t {}",
            f.figure,
            trim(f.a.mean),
            trim(f.b.mean),
            trim(f.difference),
            f.t.map_or("-".into(), trim)
        );
    }
    out
}

/// The comparison's page: the differing settings, every figure's totals side by side, and each
/// panel with A's lines solid and B's dashed.
pub fn html(c: &WorldComparison, a: &WorldReport, b: &WorldReport) -> String {
    let mut body = format!(
        "<h1>Comparing two world runs</h1><p>A = {} · B = {}</p><p>{}</p>",
        esc(&c.a),
        esc(&c.b),
        esc(&c.test)
    );
    body.push_str("<h2>Settings that differ</h2><table class=\"settings\"><tr><th>setting</th><th>A</th><th>B</th></tr>");
    for s in &c.settings {
        let show = |v: &Option<String>| esc(v.as_deref().unwrap_or("—"));
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.key),
            show(&s.a),
            show(&s.b)
        );
    }
    body.push_str("</table>");
    for p in &PANELS {
        let mut lines = panel_lines(p, a);
        let n = lines.len();
        for (i, mut s) in panel_lines(p, b).into_iter().enumerate() {
            s.dashed = true;
            s.colour = i;
            s.name = format!("{} (B)", s.name);
            lines.push(s);
        }
        if n == 0 {
            continue;
        }
        let top = top_of(&lines);
        let scale = Scale::Linear {
            lo: 0.0,
            hi: a.hours.max(b.hours),
        };
        let chart = LineChart {
            title: p.title,
            x_label: "simulated hours (A solid, B dashed)",
            y_label: p.y_label,
            scale: &scale,
            y_max: top * 1.1,
            percent: false,
        };
        body.push_str(&line_chart(&chart, &lines));
    }
    body.push_str(&figures_table(c));
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} vs {}</title><style>body{{font-family:sans-serif;margin:2em;color:#222}}svg.chart{{display:block;margin:1em 0;border:1px solid #eee}}table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;font-size:13px}}tr.significant{{background:#fff3c4}}</style></head><body>{}</body></html>\n",
        esc(&c.a),
        esc(&c.b),
        body
    )
}

fn figures_table(c: &WorldComparison) -> String {
    let mut t = String::from(
        "<h2>Run totals</h2><table class=\"figures\"><tr><th>figure</th><th>A</th><th>B</th><th>B − A</th><th>t (df)</th></tr>",
    );
    for f in &c.figures {
        let class = if f.significant {
            " class=\"significant\""
        } else {
            ""
        };
        let test = match (f.t, f.df) {
            (Some(t), Some(df)) => format!("{} ({})", trim(t), trim(df)),
            _ => "—".into(),
        };
        let _ = write!(
            t,
            "<tr{class}><td>{}</td><td>{} [{} – {}]</td><td>{} [{} – {}]</td><td>{}</td><td>{test}</td></tr>",
            esc(&f.figure),
            trim(f.a.mean),
            trim(f.a.lo),
            trim(f.a.hi),
            trim(f.b.mean),
            trim(f.b.lo),
            trim(f.b.hi),
            trim(f.difference)
        );
    }
    t.push_str("</table>");
    t
}

#[cfg(test)]
mod tests {
    use super::welch;

    #[test]
    fn welch_matches_a_worked_example() {
        // Equal variances and sizes: t = (mean b − mean a) / √(2 s² / n).
        let (t, df) = welch(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap();
        assert!((t - 3.0 / (2.0f64 / 3.0).sqrt()).abs() < 1e-12, "{t}");
        assert!((df - 4.0).abs() < 1e-12, "{df}");
        assert!(welch(&[1.0], &[2.0, 3.0]).is_none());
        assert!(welch(&[1.0, 1.0], &[1.0, 1.0]).is_none());
    }
}
