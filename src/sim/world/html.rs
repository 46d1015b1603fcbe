//! The world run's HTML page: one self-contained file (inline SVG, no scripts) with every
//! group of figures drawn over simulated hours, each line with its 95 % band across replicates,
//! then the run's totals and the population and balance it ran on.

use super::report::{Band, WorldReport};
use crate::sim::chart::{LineChart, Scale, Series, esc, line_chart, trim};
use crate::sim::echo::flatten;
use std::fmt::Write;

/// A chart of the report: its title, y label, which figures (by name prefix or exact name), and
/// whether its values are proportions.
pub struct Panel {
    pub title: &'static str,
    pub y_label: &'static str,
    pub figures: &'static [&'static str],
    pub percent: bool,
}

pub const PANELS: [Panel; 11] = [
    Panel {
        title: "Credits in the world",
        y_label: "credits",
        figures: &[
            "credits.total",
            "credits.on_hand",
            "credits.banked",
            "credits.in_garrisons",
            "credits.in_salvage",
        ],
        percent: false,
    },
    Panel {
        title: "Mean wealth per player, by group",
        y_label: "credits",
        figures: &["wealth_mean."],
        percent: false,
    },
    Panel {
        title: "Wealth inequality (Gini)",
        y_label: "Gini",
        figures: &["gini"],
        percent: false,
    },
    Panel {
        title: "Credits minted (+) and burned (−) per sample, by flow (magnitude)",
        y_label: "credits per sample",
        figures: &["flows."],
        percent: false,
    },
    Panel {
        title: "Trades and refused requests per sample",
        y_label: "requests",
        figures: &["trades", "refused"],
        percent: false,
    },
    Panel {
        title: "Units traded per sample",
        y_label: "units",
        figures: &["trade.units"],
        percent: false,
    },
    Panel {
        title: "Port stock (share of capacity, selling ports) and sold-out share",
        y_label: "share",
        figures: &["ports.stock.", "ports.sold_out."],
        percent: true,
    },
    Panel {
        title: "Mean prices: what ports sell at and pay",
        y_label: "credits per unit",
        figures: &["prices."],
        percent: false,
    },
    Panel {
        title: "Fights per sample: started, ended by outcome, ships destroyed",
        y_label: "fights",
        figures: &["fights.started", "fights.ended.", "deaths"],
        percent: false,
    },
    Panel {
        title: "Tolls paid per sample and garrisons standing",
        y_label: "credits / garrisons",
        figures: &["tolls.paid", "garrisons.standing"],
        percent: false,
    },
    Panel {
        title: "Players still flying and stranded, by group",
        y_label: "players",
        figures: &["flying.", "stranded."],
        percent: false,
    },
];

fn wanted(name: &str, figures: &[&str]) -> bool {
    figures.iter().any(|f| {
        if f.ends_with('.') {
            name.starts_with(f)
        } else {
            name == *f
        }
    })
}

/// A figure's line: (hours, mean, band) at each sample; flows drawn by magnitude.
fn series(name: &str, band: &Band, times: &[u64], colour: usize) -> Series {
    let sign = if band.mean.iter().sum::<f64>() < 0.0 {
        -1.0
    } else {
        1.0
    };
    let points = times
        .iter()
        .zip(band.mean.iter().zip(band.lo.iter().zip(&band.hi)))
        .map(|(t, (m, (lo, hi)))| {
            let (a, b) = ((lo * sign).max(0.0), (hi * sign).max(0.0));
            let interval = (lo != hi).then_some([a.min(b), a.max(b)]);
            (*t as f64 / 3600.0, (m * sign).max(0.0), interval)
        })
        .collect();
    let name = if sign < 0.0 {
        format!("{name} (−)")
    } else {
        name.to_string()
    };
    Series {
        name,
        points,
        dashed: false,
        colour,
    }
}

/// A panel's lines from a report: its figures that are ever above zero.
pub fn panel_lines(p: &Panel, r: &WorldReport) -> Vec<Series> {
    r.series
        .iter()
        .filter(|(name, b)| wanted(name, p.figures) && b.hi.iter().chain(&b.lo).any(|v| *v != 0.0))
        .enumerate()
        .map(|(i, (name, b))| series(name, b, &r.times, i))
        .collect()
}

/// The highest value or band edge of some lines.
pub fn top_of(lines: &[Series]) -> f64 {
    lines
        .iter()
        .flat_map(|s| {
            s.points
                .iter()
                .map(|(_, y, i)| i.map_or(*y, |[_, hi]| hi.max(*y)))
        })
        .fold(0.0, f64::max)
}

/// One panel's chart (nothing when none of its figures is there or all stay at zero).
fn panel_chart(p: &Panel, r: &WorldReport) -> String {
    let lines = panel_lines(p, r);
    if lines.is_empty() {
        return String::new();
    }
    let top = top_of(&lines);
    let scale = Scale::Linear {
        lo: 0.0,
        hi: r.hours,
    };
    let chart = LineChart {
        title: p.title,
        x_label: "simulated hours",
        y_label: p.y_label,
        scale: &scale,
        y_max: if p.percent {
            top.clamp(0.01, 1.0) * 1.05
        } else {
            top * 1.1
        },
        percent: p.percent,
    };
    line_chart(&chart, &lines)
}

/// The page.
pub fn render(r: &WorldReport) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>World run: {}</h1><p>{} players · {} simulated hours · rules {} · {} replicate world(s), \
         bands are 95 % intervals of the mean across them · seed {} · universe of {} sectors, {} ports · \
         a sample every {} minutes</p>",
        esc(&r.name),
        r.players,
        trim(r.hours),
        esc(&r.rules),
        r.replicates.len(),
        r.seed,
        r.sectors,
        r.ports,
        trim(r.sample_minutes)
    );
    for p in &PANELS {
        body.push_str(&panel_chart(p, r));
    }
    body.push_str(&totals_table(r));
    body.push_str(&settings_table("Population", &r.population));
    body.push_str(&settings_table("Balance", &r.balance));
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>body{{font-family:sans-serif;margin:2em;color:#222}}svg.chart{{display:block;margin:1em 0;border:1px solid #eee}}table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}}</style></head><body>{}</body></html>\n",
        esc(&r.name),
        body
    )
}

/// Every figure's total over the run (counts summed, levels at the end) with its interval.
fn totals_table(r: &WorldReport) -> String {
    let mut t = String::from(
        "<h2>Totals over the run</h2><p>Counts are summed over the run; levels are their value \
         at the end. [95 % interval of the mean across replicates]</p>\
         <table class=\"totals\"><tr><th>figure</th><th>mean</th><th>95 % interval</th></tr>",
    );
    for (name, e) in &r.totals {
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{} – {}</td></tr>",
            esc(name),
            trim(e.mean),
            trim(e.lo),
            trim(e.hi)
        );
    }
    t.push_str("</table>");
    t
}

fn settings_table(title: &str, v: &serde_json::Value) -> String {
    let mut flat = Vec::new();
    flatten("", v, &mut flat);
    let mut t = format!("<h2>{title}</h2><table class=\"echo\">");
    for (k, v) in flat {
        let _ = write!(t, "<tr><td>{}</td><td>{}</td></tr>", esc(&k), esc(&v));
    }
    t.push_str("</table>");
    t
}
