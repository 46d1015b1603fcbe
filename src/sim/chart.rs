//! Hand-drawn SVG charts for the sim reports: line charts with confidence bands over numeric
//! (linear or logarithmic) or categorical axes, histograms and heatmaps. Every mark has a class
//! and `data-*` values so that tests (and curious readers of the source) can find the numbers.

use std::fmt::Write;

pub const COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A number without trailing zeros (three decimals at most).
pub fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// An axis tick short enough to sit beside the axis: 2.5k, 4M, 1.2G.
pub fn compact(v: f64) -> String {
    let a = v.abs();
    let (scaled, unit) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        return trim(v);
    };
    format!("{}{unit}", trim((scaled * 100.0).round() / 100.0))
}

/// How an axis places its values.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// Evenly spaced labels; a value is its label's index.
    Categorical(Vec<String>),
    Linear {
        lo: f64,
        hi: f64,
    },
    /// For positive values spanning decades.
    Log {
        lo: f64,
        hi: f64,
    },
}

/// Spans at least this wide (max ÷ min) get a logarithmic axis.
pub const LOG_SPAN: f64 = 20.0;

impl Scale {
    /// The axis for a swept key's values: numeric when they all are (log when they are positive
    /// and span decades), else categorical in the order given.
    pub fn for_values(values: &[toml::Value]) -> Scale {
        let nums: Option<Vec<f64>> = values.iter().map(number).collect();
        match nums {
            Some(v) if v.len() >= 2 => {
                let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                if lo == hi {
                    Scale::Categorical(values.iter().map(label).collect())
                } else if lo > 0.0 && hi / lo >= LOG_SPAN {
                    Scale::Log { lo, hi }
                } else {
                    Scale::Linear { lo, hi }
                }
            }
            _ => Scale::Categorical(values.iter().map(label).collect()),
        }
    }

    /// The axis coordinate of the `i`-th value of the list the scale was made from.
    pub fn coord(&self, i: usize, value: &toml::Value) -> f64 {
        match self {
            Scale::Categorical(_) => i as f64,
            _ => number(value).unwrap_or(0.0),
        }
    }

    /// Where `v` falls, from 0 (left) to 1 (right), with a margin so end points clear the frame.
    pub fn frac(&self, v: f64) -> f64 {
        let f = match self {
            Scale::Categorical(labels) if labels.len() <= 1 => 0.5,
            Scale::Categorical(labels) => v / (labels.len() - 1) as f64,
            Scale::Linear { lo, hi } => (v - lo) / (hi - lo),
            Scale::Log { lo, hi } => {
                (v.max(f64::MIN_POSITIVE).ln() - lo.ln()) / (hi.ln() - lo.ln())
            }
        };
        0.04 + 0.92 * f
    }

    pub fn is_log(&self) -> bool {
        matches!(self, Scale::Log { .. })
    }

    /// Tick positions and labels: every category, or round numbers.
    pub fn ticks(&self) -> Vec<(f64, String)> {
        match self {
            Scale::Categorical(labels) => labels
                .iter()
                .enumerate()
                .map(|(i, l)| (i as f64, l.clone()))
                .collect(),
            Scale::Linear { lo, hi } => linear_ticks(*lo, *hi, 6)
                .into_iter()
                .map(|v| (v, trim(v)))
                .collect(),
            Scale::Log { lo, hi } => log_ticks(*lo, *hi)
                .into_iter()
                .map(|v| (v, trim(v)))
                .collect(),
        }
    }
}

pub fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(n) => Some(*n as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// A value as a label (strings without their quotes).
pub fn label(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A round step (1, 2 or 5 × 10ᵏ) giving about `count` intervals over `span`.
pub fn nice_step(span: f64, count: usize) -> f64 {
    let raw = (span / count.max(1) as f64).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// Round numbers from `lo` to `hi`.
pub fn linear_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let step = nice_step(hi - lo, count);
    let mut v = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while v <= hi + step * 1e-9 {
        // Snap away the float noise of repeated addition.
        out.push((v / step).round() * step);
        v += step;
    }
    out
}

/// Powers of ten within `lo..=hi`, with 2× and 5× between them when there are few decades.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (from, to) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let mults: &[f64] = if to - from <= 3 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let mut out = Vec::new();
    for e in from..=to {
        for m in mults {
            let v = m * 10f64.powi(e);
            if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                out.push(v);
            }
        }
    }
    out
}

/// One line of a chart: (x coordinate, y, optional 95 % interval on y) per point.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64, Option<[f64; 2]>)>,
    /// Drawn dashed (the second run of a comparison).
    pub dashed: bool,
    pub colour: usize,
}

/// A line chart's text and axes.
pub struct LineChart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub scale: &'a Scale,
    /// The y axis runs from 0 to this.
    pub y_max: f64,
    /// Whether y values are proportions (ticks as percentages).
    pub percent: bool,
}

/// A chart's plotting area in SVG units.
#[derive(Clone, Copy)]
struct Area {
    left: f64,
    top: f64,
    pw: f64,
    ph: f64,
}

impl Area {
    fn standard(w: f64, h: f64) -> Area {
        let (left, right, top, bottom) = (60.0, 160.0, 30.0, 50.0);
        Area {
            left,
            top,
            pw: w - left - right,
            ph: h - top - bottom,
        }
    }
    fn x(&self, frac: f64) -> f64 {
        self.left + self.pw * frac
    }
    fn y(&self, v: f64, max: f64) -> f64 {
        self.top + self.ph - self.ph * (v / max).clamp(0.0, 1.0)
    }
}

fn open_svg(svg: &mut String, class: &str, w: f64, h: f64, title: &str) {
    let _ = write!(
        svg,
        r#"<svg class="{class}" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{t}"><text x="10" y="18" font-size="14" font-weight="bold">{t}</text>"#,
        t = esc(title)
    );
}

pub fn line_chart(c: &LineChart<'_>, series: &[Series]) -> String {
    let area = Area::standard(680.0, 320.0);
    let y_max = if c.y_max > 0.0 { c.y_max } else { 1.0 };
    let mut svg = String::new();
    let class = if c.scale.is_log() {
        "chart line log"
    } else {
        "chart line"
    };
    open_svg(&mut svg, class, 680.0, 320.0, c.title);
    y_grid(&mut svg, area, y_max, c.percent);
    x_axis(&mut svg, area, c.scale, c.x_label);
    y_name(&mut svg, area, c.y_label);
    for (n, s) in series.iter().enumerate() {
        band(&mut svg, area, c.scale, y_max, s);
        line(&mut svg, area, c.scale, y_max, n, s);
    }
    svg.push_str("</svg>");
    svg
}

fn y_grid(svg: &mut String, area: Area, y_max: f64, percent: bool) {
    for v in linear_ticks(0.0, y_max, 4) {
        let y = area.y(v, y_max);
        let text = if percent {
            format!("{}%", trim(v * 100.0))
        } else {
            compact(v)
        };
        let _ = write!(
            svg,
            r##"<line x1="{}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end">{text}</text>"##,
            area.left,
            area.left + area.pw,
            area.left - 6.0,
            y + 4.0,
        );
    }
}

fn y_name(svg: &mut String, area: Area, name: &str) {
    let mid = area.top + area.ph / 2.0;
    let _ = write!(
        svg,
        r#"<text x="14" y="{mid:.1}" font-size="11" transform="rotate(-90 14 {mid:.1})" text-anchor="middle">{}</text>"#,
        esc(name)
    );
}

/// Tick marks and labels under the plot, and the axis's name (saying when it is logarithmic).
fn x_axis(svg: &mut String, area: Area, scale: &Scale, name: &str) {
    let base = area.top + area.ph;
    let _ = write!(
        svg,
        r##"<line x1="{}" x2="{}" y1="{base}" y2="{base}" stroke="#888"/>"##,
        area.left,
        area.left + area.pw
    );
    for (v, text) in scale.ticks() {
        let x = area.x(scale.frac(v));
        let _ = write!(
            svg,
            r##"<line class="tick" x1="{x:.1}" x2="{x:.1}" y1="{base}" y2="{}" stroke="#888"/><text x="{x:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"##,
            base + 4.0,
            base + 16.0,
            esc(&text)
        );
    }
    let note = if scale.is_log() { " (log scale)" } else { "" };
    let _ = write!(
        svg,
        r#"<text class="axis-name" x="{:.1}" y="{}" font-size="11" text-anchor="middle">{}{note}</text>"#,
        area.left + area.pw / 2.0,
        base + 36.0,
        esc(name)
    );
}

/// The series' 95 % intervals as a translucent band (a bar when there is one point).
fn band(svg: &mut String, area: Area, scale: &Scale, y_max: f64, s: &Series) {
    let with: Vec<(f64, [f64; 2])> = s
        .points
        .iter()
        .filter_map(|(x, _, ci)| ci.map(|ci| (*x, ci)))
        .collect();
    if with.is_empty() {
        return;
    }
    let colour = COLOURS[s.colour % COLOURS.len()];
    if with.len() == 1 {
        let (x, [lo, hi]) = with[0];
        let px = area.x(scale.frac(x));
        let _ = write!(
            svg,
            r#"<rect class="band" x="{:.1}" y="{:.1}" width="8" height="{:.1}" fill="{colour}" fill-opacity="0.2"/>"#,
            px - 4.0,
            area.y(hi, y_max),
            area.y(lo, y_max) - area.y(hi, y_max)
        );
        return;
    }
    let upper = with
        .iter()
        .map(|(x, ci)| format!("{:.1},{:.1}", area.x(scale.frac(*x)), area.y(ci[1], y_max)));
    let lower = with
        .iter()
        .rev()
        .map(|(x, ci)| format!("{:.1},{:.1}", area.x(scale.frac(*x)), area.y(ci[0], y_max)));
    let points: Vec<String> = upper.chain(lower).collect();
    let _ = write!(
        svg,
        r#"<polygon class="band" data-series="{}" fill="{colour}" fill-opacity="0.18" stroke="none" points="{}"/>"#,
        esc(&s.name),
        points.join(" ")
    );
}

/// The series' line, a dot per point (its value and interval on hover), its legend entry.
fn line(svg: &mut String, area: Area, scale: &Scale, y_max: f64, n: usize, s: &Series) {
    let colour = COLOURS[s.colour % COLOURS.len()];
    let dash = if s.dashed {
        r#" stroke-dasharray="6 3""#
    } else {
        ""
    };
    let coords: Vec<(f64, f64)> = s
        .points
        .iter()
        .map(|(x, y, _)| (area.x(scale.frac(*x)), area.y(*y, y_max)))
        .collect();
    let pts: Vec<String> = coords
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    let _ = write!(
        svg,
        r#"<polyline class="series" data-series="{}" fill="none" stroke="{colour}" stroke-width="2"{dash} points="{}"/>"#,
        esc(&s.name),
        pts.join(" ")
    );
    for ((x, y, ci), (px, py)) in s.points.iter().zip(&coords) {
        let interval = ci.map_or(String::new(), |c| {
            format!(" [{}–{}]", trim(c[0]), trim(c[1]))
        });
        let _ = write!(
            svg,
            r#"<circle class="point" data-series="{n}" data-x="{}" data-y="{}" cx="{px:.1}" cy="{py:.1}" r="3" fill="{colour}"><title>{}: {}{interval} at {}</title></circle>"#,
            trim(*x),
            trim(*y),
            esc(&s.name),
            trim(*y),
            trim(*x)
        );
    }
    let ly = area.top + 14.0 * n as f64;
    let lx = area.left + area.pw + 12.0;
    let _ = write!(
        svg,
        r#"<line x1="{lx}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="2"{dash}/><text x="{}" y="{:.1}" font-size="11">{}</text>"#,
        lx + 14.0,
        ly + 5.0,
        ly + 5.0,
        lx + 18.0,
        ly + 9.0,
        esc(&s.name)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_ticks_are_written_short() {
        assert_eq!(compact(4_000_000.0), "4M");
        assert_eq!(compact(2_500.0), "2500");
        assert_eq!(compact(25_000.0), "25k");
        assert_eq!(compact(1_250_000_000.0), "1.25G");
        assert_eq!(compact(0.5), "0.5");
    }
}
