//! Wall-clock timestamps in the reference's wire form and the clock resource that hands them out.
//!
//! Game logic never reads the system clock directly: it asks [`GameClock`], which the server runs
//! on real time and tests and the sim runner pin or step, so their output is reproducible.

use bevy_ecs::prelude::Resource;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds since the Unix epoch, UTC. Serialised as `2025-09-28T12:34:56.123456+00:00`
/// (the fraction omitted when it is zero), exactly as the reference prints timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_micros(micros: i64) -> Self {
        Timestamp(micros)
    }

    pub fn micros(self) -> i64 {
        self.0
    }

    /// The wire form. Written by hand from the civil calendar because it is on every hot payload.
    pub fn to_wire(self) -> String {
        let secs = self.0.div_euclid(1_000_000);
        let frac = self.0.rem_euclid(1_000_000);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let (hh, mm, ss) = (rem / 3600, (rem % 3600) / 60, rem % 60);
        if !(0..=9999).contains(&y) {
            // Outside four-digit years (never on the wire in practice): the general formatter.
            return if frac == 0 {
                format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}+00:00")
            } else {
                format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{frac:06}+00:00")
            };
        }
        // Digits straight into the string: `format!` was a measurable share of a busy server.
        let mut text = String::with_capacity(32);
        push_digits(&mut text, y as u64, 4);
        text.push('-');
        push_digits(&mut text, u64::from(m), 2);
        text.push('-');
        push_digits(&mut text, u64::from(d), 2);
        text.push('T');
        push_digits(&mut text, hh as u64, 2);
        text.push(':');
        push_digits(&mut text, mm as u64, 2);
        text.push(':');
        push_digits(&mut text, ss as u64, 2);
        if frac != 0 {
            text.push('.');
            push_digits(&mut text, frac as u64, 6);
        }
        text.push_str("+00:00");
        text
    }

    /// Parses the wire form back (and the `Z` suffix, and a missing zone as UTC) — used when
    /// importing reference world data.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let parsed = time::PrimitiveDateTime::parse(
            text.trim_end_matches('Z')
                .trim_end_matches("+00:00")
                .trim_end_matches("-00:00"),
            &time::format_description::well_known::Iso8601::DEFAULT,
        )
        .ok()?;
        let odt = parsed.assume_utc();
        Some(Timestamp(
            (odt.unix_timestamp_nanos() / 1000).try_into().ok()?,
        ))
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
/// `value`'s last `width` decimal digits, zero-padded.
fn push_digits(text: &mut String, value: u64, width: u32) {
    for i in (0..width).rev() {
        text.push(char::from(b'0' + (value / 10u64.pow(i) % 10) as u8));
    }
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_wire())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a timestamp: {text}")))
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "ISO-8601 UTC, microseconds, `+00:00` zone (fraction omitted when zero)",
            "examples": ["2025-09-28T12:34:56.123456+00:00"]
        })
    }
}

/// Where "now" comes from. The server uses the system clock; tests and the sim runner use a
/// manual clock they advance themselves.
#[derive(Resource, Debug, Clone)]
pub enum GameClock {
    System,
    Manual(Timestamp),
}

impl GameClock {
    pub fn now(&self) -> Timestamp {
        match self {
            GameClock::System => {
                let micros = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_micros() as i64)
                    .unwrap_or(0);
                Timestamp(micros)
            }
            GameClock::Manual(t) => *t,
        }
    }

    /// Moves a manual clock forward; a no-op on the system clock.
    pub fn advance_micros(&mut self, micros: i64) {
        if let GameClock::Manual(t) = self {
            t.0 += micros;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_matches_python_isoformat() {
        // 2025-09-28T12:34:56.123456+00:00
        let t = Timestamp(1_759_062_896_123_456);
        assert_eq!(t.to_wire(), "2025-09-28T12:34:56.123456+00:00");
        assert_eq!(Timestamp(0).to_wire(), "1970-01-01T00:00:00+00:00");
        assert_eq!(Timestamp(1).to_wire(), "1970-01-01T00:00:00.000001+00:00");
        // Leap day.
        assert_eq!(
            Timestamp(951_782_400_000_000).to_wire(),
            "2000-02-29T00:00:00+00:00"
        );
    }

    #[test]
    fn parse_round_trips_the_wire_form() {
        for micros in [0, 1, 1_759_062_896_123_456, 951_782_400_000_000] {
            let t = Timestamp(micros);
            assert_eq!(Timestamp::parse(&t.to_wire()), Some(t));
        }
        assert_eq!(
            Timestamp::parse("2025-09-28T12:34:56Z"),
            Some(Timestamp(1_759_062_896_000_000))
        );
        assert_eq!(Timestamp::parse("not a time"), None);
    }

    #[test]
    fn the_fast_wire_form_matches_the_general_formatter() {
        let general = |t: Timestamp| {
            let (secs, frac) = (t.0.div_euclid(1_000_000), t.0.rem_euclid(1_000_000));
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            let rem = secs.rem_euclid(86_400);
            let (hh, mm, ss) = (rem / 3600, (rem % 3600) / 60, rem % 60);
            if frac == 0 {
                format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}+00:00")
            } else {
                format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{frac:06}+00:00")
            }
        };
        // A spread of instants from 1970 to 9999, whole seconds and not.
        let mut t: i64 = 0;
        for i in 0..20_000i64 {
            t = t
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let micros = t.rem_euclid(253_402_300_799_000_000);
            let micros = if i % 3 == 0 {
                micros - micros % 1_000_000
            } else {
                micros
            };
            assert_eq!(Timestamp(micros).to_wire(), general(Timestamp(micros)));
        }
        assert_eq!(Timestamp(-1).to_wire(), general(Timestamp(-1)));
    }

    #[test]
    fn manual_clock_only_moves_when_told() {
        let mut clock = GameClock::Manual(Timestamp(5));
        assert_eq!(clock.now(), Timestamp(5));
        clock.advance_micros(10);
        assert_eq!(clock.now(), Timestamp(15));
    }
}
