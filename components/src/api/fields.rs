//! Field-level helpers shared by every request type: length bounds, integers that may arrive as
//! strings, presence as the reference understands it. Imports nothing else of the API.

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Longest accepted character id or name, in characters.
pub const MAX_ID_LEN: usize = 128;
/// Longest accepted short text field (ship type, mode, …), in characters.
pub const MAX_SHORT_TEXT: usize = 64;

/// Checks bounds that serde cannot express (string lengths); failures name the field.
pub trait Validate {
    fn validate(&self) -> Result<(), String>;
}

pub fn check_len(field: &str, value: &Option<String>, max: usize) -> Result<(), String> {
    match value {
        Some(v) if v.chars().count() > max => {
            Err(format!("{field} is too long (max {max} characters)"))
        }
        _ => Ok(()),
    }
}

/// Characters a name may not hold: they rewrite a terminal (control characters, ESC sequences
/// among them), break a line, or hide, join or reverse text (bidirectional and invisible
/// formatting characters), so a name could pass for another or spoof what others' screens show.
fn unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// A name others will see (a character's id or display name, a corporation's, a ship's): at most
/// `max` characters, printable (see `unprintable`), not blank, without surrounding whitespace.
/// An empty name is left to the endpoint (most read it as missing).
pub fn check_name(field: &str, value: &Option<String>, max: usize) -> Result<(), String> {
    check_len(field, value, max)?;
    let Some(v) = value.as_deref().filter(|v| !v.is_empty()) else {
        return Ok(());
    };
    if let Some(c) = v.chars().find(|c| unprintable(*c)) {
        return Err(format!(
            "{field} may not contain U+{:04X} (control or invisible characters)",
            c as u32
        ));
    }
    if v.trim().is_empty() {
        return Err(format!("{field} may not be blank"));
    }
    if v.trim() != v {
        return Err(format!("{field} may not start or end with whitespace"));
    }
    // One spelling per name: a decomposed "é" would be another name that looks the same.
    if !crate::names::is_normalised(v) {
        return Err(format!(
            "{field} must be in Unicode normalization form C (composed characters)"
        ));
    }
    Ok(())
}

/// An integer argument that clients sometimes send as a decimal string. Decoding never fails;
/// anything that is not an integer becomes `Invalid`, so the endpoint can answer with its own
/// message in its own validation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntArg {
    Int(i64),
    Invalid,
}

impl<'de> Deserialize<'de> for IntArg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IntArg;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntArg, E> {
                Ok(IntArg::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntArg, E> {
                Ok(i64::try_from(v).map_or(IntArg::Invalid, IntArg::Int))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<IntArg, E> {
                // Integral floats (5.0) are integers; fractions are refused rather than truncated.
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(IntArg::Int(v as i64))
                } else {
                    Ok(IntArg::Invalid)
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntArg, E> {
                Ok(v.trim().parse().map_or(IntArg::Invalid, IntArg::Int))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<IntArg, E> {
                Ok(IntArg::Invalid)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<IntArg, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(IntArg::Invalid)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<IntArg, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(IntArg::Invalid)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for IntArg {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IntArg".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An integer; a string of decimal digits is accepted too",
            "oneOf": [{"type": "integer"}, {"type": "string", "pattern": "^\\s*[+-]?[0-9]+\\s*$"}]
        })
    }
}

/// A present, non-empty string (the reference treats `""` like a missing value).
pub fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|s| !s.is_empty())
}

/// `n` with thousands separated by commas, as the 2026-01 release words prices in its errors.
pub fn with_commas(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod comma_tests {
    use super::{check_name, with_commas};

    #[test]
    fn names_are_printable_and_not_blank() {
        let named = |s: &str| check_name("name", &Some(s.to_string()), 64);
        for good in ["ada", "Trader Bob", "Zoë", "星際商人", "test_corp-1", ""] {
            assert_eq!(named(good), Ok(()), "{good:?}");
        }
        for bad in [
            "a\0b",
            "bell\u{7}",
            "\u{1b}[31mred",
            "evil\u{202e}txt",
            "line\nbreak",
            " ",
            "\u{3000}",
            " ada",
            "ada ",
            "zero\u{200b}width",
            "\u{feff}bom",
            "x\u{2028}y",
        ] {
            let e = named(bad).unwrap_err();
            assert!(e.starts_with("name may not"), "{bad:?}: {e}");
        }
        assert!(named(&"x".repeat(65)).unwrap_err().contains("too long"));
        assert_eq!(check_name("name", &None, 64), Ok(()));
    }

    #[test]
    fn prices_are_worded_with_thousands_separators() {
        assert_eq!(with_commas(0), "0");
        assert_eq!(with_commas(999), "999");
        assert_eq!(with_commas(235_000), "235,000");
        assert_eq!(with_commas(2_500_000), "2,500,000");
    }
}
