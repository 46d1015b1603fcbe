//! Headless Chromium for the report tests: where it is, and the DOM it makes of a page.
#![allow(dead_code)]

use std::process::Command;

/// The browser, unless BANG_SKIP_BROWSER is set. CI installs Debian's `chromium`
/// (scripts/test); a machine without it must say so by setting the variable.
pub fn chromium() -> Option<&'static str> {
    if std::env::var_os("BANG_SKIP_BROWSER").is_some() {
        eprintln!("BANG_SKIP_BROWSER set: not starting Chromium");
        return None;
    }
    Some(
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("Debian's chromium is needed for this test (apt-get install chromium; scripts/test installs it)"),
    )
}

pub const BROWSER_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The DOM Chromium makes of this page.
pub fn dump_dom(chromium: &str, dir: &std::path::Path, name: &str, html: &str) -> String {
    let page = dir.join(format!("{name}.html"));
    std::fs::write(&page, html).unwrap();
    let out = Command::new(chromium)
        .args(BROWSER_FLAGS)
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The first `<svg …>…</svg>` starting with `open`.
pub fn svg_of<'a>(dom: &'a str, open: &str) -> &'a str {
    let start = dom
        .find(open)
        .unwrap_or_else(|| panic!("no {open} in the DOM"));
    let end = dom[start..].find("</svg>").unwrap() + start;
    &dom[start..end]
}

/// The numeric attribute `attr` of every element starting with `open`.
pub fn attr_values(text: &str, open: &str, attr: &str) -> Vec<f64> {
    text.match_indices(open)
        .map(|(i, _)| {
            let tag = &text[i..i + text[i..].find('>').unwrap()];
            let at = tag.find(&format!(" {attr}=\"")).unwrap() + attr.len() + 3;
            tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
        })
        .collect()
}
