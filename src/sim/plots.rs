//! Histograms and heatmaps for the sim reports (the line charts are in `chart`).

use super::chart::{COLOURS, esc, linear_ticks, nice_step, trim};
use std::collections::BTreeMap;
use std::fmt::Write;

/// One bin: values in `lo..hi`, and how many encounters fell there.
pub type Bin = (f64, f64, u64);

/// Bins for integer-valued histograms sharing one axis: a bin per value when the range is
/// small, else round-width bins (about 25 of them).
pub fn bins(hists: &[&BTreeMap<i64, u64>]) -> Vec<Vec<Bin>> {
    let keys = hists.iter().flat_map(|h| h.keys().copied());
    let (lo, hi) = keys.fold((i64::MAX, i64::MIN), |(a, b), k| (a.min(k), b.max(k)));
    if lo > hi {
        return hists.iter().map(|_| Vec::new()).collect();
    }
    let span = (hi - lo + 1) as f64;
    let width = if span <= 40.0 {
        1
    } else {
        (nice_step(span, 25) as i64).max(1)
    };
    let start = lo.div_euclid(width) * width;
    let count = ((hi - start) / width + 1) as usize;
    hists
        .iter()
        .map(|h| {
            let mut out: Vec<Bin> = (0..count)
                .map(|i| {
                    let a = start + i as i64 * width;
                    // Single values are centred on their integer.
                    let shift = if width == 1 { 0.5 } else { 0.0 };
                    (a as f64 - shift, (a + width) as f64 - shift, 0)
                })
                .collect();
            for (k, n) in h.iter() {
                out[((k - start) / width) as usize].2 += n;
            }
            out
        })
        .collect()
}

/// Overlaid histograms (one colour per group) over a shared linear axis.
pub fn histogram(title: &str, x_label: &str, groups: &[(String, Vec<Bin>)]) -> String {
    let (w, h) = (470.0, 240.0);
    let (left, right, top, bottom) = (52.0, 130.0, 28.0, 44.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let all = groups.iter().flat_map(|(_, b)| b.iter());
    let lo = all.clone().map(|b| b.0).fold(f64::INFINITY, f64::min);
    let hi = all.clone().map(|b| b.1).fold(f64::NEG_INFINITY, f64::max);
    let top_count = all.map(|b| b.2).max().unwrap_or(0).max(1) as f64;
    let (lo, hi) = if lo < hi { (lo, hi) } else { (0.0, 1.0) };
    // A narrow range (say one value) keeps a readable width around it.
    let pad = ((5.0 - (hi - lo)) / 2.0).max(0.0);
    let (lo, hi) = (lo - pad, hi + pad);
    let x = |v: f64| left + pw * (v - lo) / (hi - lo);
    let y = |n: f64| top + ph - ph * n / top_count;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart histogram" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{t}"><text x="8" y="16" font-size="13" font-weight="bold">{t}</text>"#,
        t = esc(title)
    );
    for n in linear_ticks(0.0, top_count, 4) {
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#eee"/><text x="{}" y="{:.1}" font-size="10" text-anchor="end">{}</text>"##,
            left + pw,
            y(n),
            y(n),
            left - 4.0,
            y(n) + 3.0,
            trim(n)
        );
    }
    // Counts of whole fighters or rounds: ticks on whole numbers.
    for v in linear_ticks(lo, hi, 6)
        .into_iter()
        .filter(|v| v.fract() == 0.0)
    {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{}" font-size="10" text-anchor="middle">{}</text>"#,
            x(v),
            top + ph + 13.0,
            trim(v)
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"#,
        left + pw / 2.0,
        top + ph + 32.0,
        esc(x_label)
    );
    let opacity = if groups.len() > 1 { 0.55 } else { 0.85 };
    for (g, (name, bins)) in groups.iter().enumerate() {
        let colour = COLOURS[g % COLOURS.len()];
        for (a, b, n) in bins.iter().filter(|b| b.2 > 0) {
            let _ = write!(
                svg,
                r#"<rect class="bar" data-group="{}" data-lo="{}" data-hi="{}" data-count="{n}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}" fill-opacity="{opacity}"><title>{}: {n} in [{}, {})</title></rect>"#,
                esc(name),
                trim(*a),
                trim(*b),
                x(*a),
                y(*n as f64),
                (x(*b) - x(*a) - 0.5).max(0.5),
                top + ph - y(*n as f64),
                esc(name),
                trim(*a),
                trim(*b)
            );
        }
        let ly = top + 14.0 * g as f64;
        let _ = write!(
            svg,
            r#"<rect x="{}" y="{ly:.1}" width="10" height="10" fill="{colour}" fill-opacity="{opacity}"/><text x="{}" y="{:.1}" font-size="11">{}</text>"#,
            left + pw + 10.0,
            left + pw + 24.0,
            ly + 9.0,
            esc(name)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A heatmap's content: column and row labels, and each cell's rate (rows × columns; `None`
/// where no grid point has those values).
pub struct Heat<'a> {
    pub title: &'a str,
    pub x_key: &'a str,
    pub y_key: &'a str,
    pub xs: &'a [String],
    pub ys: &'a [String],
    pub cells: &'a [Vec<Option<f64>>],
}

/// White (0) to deep blue (1).
fn shade(v: f64) -> String {
    let v = v.clamp(0.0, 1.0);
    let mix = |white: f64, full: f64| (white + (full - white) * v).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(255.0, 8.0),
        mix(255.0, 48.0),
        mix(255.0, 107.0)
    )
}

/// A grid of coloured cells, each with its rate written in it, and the colour scale beside it.
pub fn heatmap(h: &Heat<'_>) -> String {
    let (cw, ch) = (
        (520.0 / h.xs.len().max(1) as f64).clamp(36.0, 90.0),
        (300.0 / h.ys.len().max(1) as f64).clamp(22.0, 40.0),
    );
    let (left, top) = (110.0, 34.0);
    let (pw, ph) = (cw * h.xs.len() as f64, ch * h.ys.len() as f64);
    let (w, hh) = (left + pw + 110.0, top + ph + 50.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart heatmap" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{hh}" viewBox="0 0 {w} {hh}" role="img" aria-label="{t}"><text x="8" y="18" font-size="14" font-weight="bold">{t}</text>"#,
        t = esc(h.title)
    );
    for (r, row) in h.cells.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let Some(v) = cell else { continue };
            let (x, y) = (left + cw * c as f64, top + ch * r as f64);
            let ink = if *v > 0.55 { "#fff" } else { "#111" };
            let _ = write!(
                svg,
                r##"<rect class="cell" data-x="{}" data-y="{}" data-value="{}" x="{x:.1}" y="{y:.1}" width="{cw:.1}" height="{ch:.1}" fill="{}" stroke="#fff"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="{ink}">{}%</text>"##,
                esc(&h.xs[c]),
                esc(&h.ys[r]),
                trim(*v),
                shade(*v),
                x + cw / 2.0,
                y + ch / 2.0 + 4.0,
                trim((v * 1000.0).round() / 10.0)
            );
        }
    }
    heat_labels(&mut svg, h, (left, top, cw, ch));
    legend(&mut svg, left + pw + 24.0, top, ph.max(100.0));
    svg.push_str("</svg>");
    svg
}

fn heat_labels(svg: &mut String, h: &Heat<'_>, (left, top, cw, ch): (f64, f64, f64, f64)) {
    let ph = ch * h.ys.len() as f64;
    for (c, x) in h.xs.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"#,
            left + cw * (c as f64 + 0.5),
            top + ph + 14.0,
            esc(x)
        );
    }
    for (r, y) in h.ys.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"#,
            left - 6.0,
            top + ch * (r as f64 + 0.5) + 4.0,
            esc(y)
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{} →</text><text x="8" y="{:.1}" font-size="11">↓ {}</text>"#,
        left + cw * h.xs.len() as f64 / 2.0,
        top + ph + 32.0,
        esc(h.x_key),
        top - 4.0,
        esc(h.y_key)
    );
}

/// The colour scale: 100 % at the top, 0 % at the bottom.
fn legend(svg: &mut String, x: f64, top: f64, height: f64) {
    let steps = 20;
    let step = height / steps as f64;
    for i in 0..steps {
        let v = 1.0 - (i as f64 + 0.5) / steps as f64;
        let _ = write!(
            svg,
            r#"<rect class="legend" x="{x:.1}" y="{:.1}" width="14" height="{:.1}" fill="{}"/>"#,
            top + step * i as f64,
            step + 0.5,
            shade(v)
        );
    }
    for v in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="10">{}%</text>"#,
            x + 18.0,
            top + height * (1.0 - v) + 4.0,
            trim(v * 100.0)
        );
    }
}
