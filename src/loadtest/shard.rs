//! `--shard I/N` and `--start-at`: one run of P players split over N processes (N machines),
//! started together. Each shard drives a contiguous range of fighting pairs, and every player in
//! it keeps the index, id, home, seed and moment in the ramp-up it has in a single process of P
//! players, so the N shards together do what one process does; `bang loadtest merge` then adds
//! their reports up (see [`super::merge`]).

use super::error::LoadtestError;
use std::ops::Range;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// This process's part of a sharded run: shard `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// `I/N`, with 0 ≤ I < N (the value parser of `--shard`).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("expected I/N (e.g. 0/2), got {s:?}"))?;
        let num = |v: &str, what: &str| {
            v.trim()
                .parse::<usize>()
                .map_err(|_| format!("{what} {v:?} is not a whole number"))
        };
        let (index, count) = (num(i, "I")?, num(n, "N")?);
        if count == 0 || index >= count {
            return Err(format!("need 0 ≤ I < N, got {index}/{count}"));
        }
        Ok(Shard { index, count })
    }

    /// The players this shard drives, out of `players`: the pairs (`i`, `i ^ 1`) are cut into
    /// `count` contiguous runs of nearly equal length, so partners stay in one process (they
    /// fight each other) and an odd player out, the last pair on its own, falls to the last shard.
    pub fn players(self, players: usize) -> Range<usize> {
        let pairs = players.div_ceil(2);
        let pair = |k: usize| k * pairs / self.count;
        let (lo, hi) = (pair(self.index), pair(self.index + 1));
        (2 * lo).min(players)..(2 * hi).min(players)
    }

    /// The non-readers this shard runs: `--non-readers` cut the same way, one by one.
    pub fn non_readers(self, n: usize) -> Range<usize> {
        self.index * n / self.count..(self.index + 1) * n / self.count
    }

    /// Every shard needs a pair to drive.
    pub(crate) fn check(self, players: usize) -> Result<(), LoadtestError> {
        let pairs = players.div_ceil(2);
        if self.count > pairs {
            return Err(LoadtestError::ShardsOverPairs {
                shards: self.count,
                players,
                pairs,
            });
        }
        Ok(())
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// How far in the past `--start-at` may be: the shards were launched by hand or by a script,
/// and one that comes up a moment late should still start (at once) rather than fail.
pub(crate) const START_AT_SLACK: Duration = Duration::from_secs(5);

/// `--start-at`: the wall-clock moment every shard begins its load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartAt {
    /// As given on the command line (for the report and for messages).
    pub given: String,
    pub at: SystemTime,
}

impl StartAt {
    /// RFC 3339 (`2026-03-01T12:00:00Z`, `2026-03-01T13:00:00.5+01:00`) or seconds since the
    /// Unix epoch (`1772366400`, `1772366400.25`): the value parser of `--start-at`.
    pub fn parse(s: &str) -> Result<StartAt, String> {
        let t = s.trim();
        let at = if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.') {
            let secs: f64 = t
                .parse()
                .map_err(|_| format!("{s:?}: not a number of seconds"))?;
            UNIX_EPOCH + Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"))?
        } else {
            use time::format_description::well_known::Rfc3339;
            let when = time::OffsetDateTime::parse(t, &Rfc3339).map_err(|e| {
                format!("{s:?}: expected RFC 3339 (2026-03-01T12:00:00Z) or Unix seconds: {e}")
            })?;
            let nanos = u64::try_from(when.unix_timestamp_nanos())
                .map_err(|_| format!("{s:?}: before 1970"))?;
            UNIX_EPOCH + Duration::from_nanos(nanos)
        };
        Ok(StartAt {
            given: s.to_string(),
            at,
        })
    }

    /// How long from `now` until the start; an error if it went by more than the slack ago
    /// (a stale time in a script would otherwise start shards apart without a word).
    pub(crate) fn wait_from(&self, now: SystemTime) -> Result<Duration, LoadtestError> {
        match self.at.duration_since(now) {
            Ok(wait) => Ok(wait),
            Err(e) if e.duration() <= START_AT_SLACK => Ok(Duration::ZERO),
            Err(e) => Err(LoadtestError::StartAtPast {
                given: self.given.clone(),
                ago: e.duration().as_secs_f64(),
                slack: START_AT_SLACK.as_secs(),
            }),
        }
    }
}

/// Nanoseconds since the Unix epoch (what the shard reports give as their start).
pub(crate) fn unix_nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shard's range for `players` split `count` ways.
    fn split(players: usize, count: usize) -> Vec<Range<usize>> {
        (0..count)
            .map(|index| Shard { index, count }.players(players))
            .collect()
    }

    #[test]
    fn shards_cover_every_player_once_and_keep_pairs_together() {
        for players in 1..=41usize {
            for count in 1..=players.div_ceil(2) {
                let ranges = split(players, count);
                // Contiguous, in order, from 0 to P: each player exactly once.
                assert_eq!(ranges[0].start, 0, "{players}/{count}: {ranges:?}");
                assert_eq!(ranges[count - 1].end, players, "{ranges:?}");
                for w in ranges.windows(2) {
                    assert_eq!(w[0].end, w[1].start, "{players}/{count}: {ranges:?}");
                }
                for (k, r) in ranges.iter().enumerate() {
                    assert!(!r.is_empty(), "{players}/{count}: shard {k} is empty");
                    // A pair is never cut: a shard starts on an even index and ends after an odd
                    // one, or at the last player.
                    assert_eq!(r.start % 2, 0, "{players}/{count}: {ranges:?}");
                    assert!(r.end % 2 == 0 || r.end == players, "{ranges:?}");
                    for i in r.clone() {
                        let partner = i ^ 1;
                        assert!(partner >= players || r.contains(&partner), "{i} {ranges:?}");
                    }
                }
                // Shards differ by at most one pair.
                let sizes: Vec<usize> = ranges.iter().map(|r| r.len().div_ceil(2)).collect();
                let (min, max) = (sizes.iter().min(), sizes.iter().max());
                assert!(max.unwrap() - min.unwrap() <= 1, "{sizes:?}");
            }
        }
    }

    #[test]
    fn an_odd_player_out_goes_to_the_last_shard() {
        assert_eq!(split(7, 2), vec![0..4, 4..7]);
        assert_eq!(split(9, 3), vec![0..2, 2..6, 6..9]);
        assert_eq!(split(1, 1), vec![0..1]);
        assert_eq!(split(20, 2), vec![0..10, 10..20]);
        let nr: Vec<_> = (0..3)
            .map(|index| Shard { index, count: 3 }.non_readers(7))
            .collect();
        assert_eq!(nr, vec![0..2, 2..4, 4..7]);
    }

    #[test]
    fn more_shards_than_pairs_is_refused() {
        assert!(Shard { index: 0, count: 3 }.check(6).is_ok());
        assert!(Shard { index: 3, count: 4 }.check(7).is_ok());
        let e = Shard { index: 0, count: 5 }
            .check(7)
            .unwrap_err()
            .to_string();
        assert!(e.contains("5 shards, but 7 players make 4 pair(s)"), "{e}");
    }

    #[test]
    fn shard_and_start_parse() {
        assert_eq!(Shard::parse("1/3"), Ok(Shard { index: 1, count: 3 }));
        assert!(Shard::parse("3/3").unwrap_err().contains("0 ≤ I < N"));
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("2").unwrap_err().contains("I/N"));
        assert!(Shard::parse("a/2").is_err());
        let rfc = StartAt::parse("2026-03-01T12:00:00.5Z").unwrap();
        let unix = StartAt::parse("1772366400.5").unwrap();
        assert_eq!(rfc.at, unix.at);
        let offset = StartAt::parse("2026-03-01T13:00:00.5+01:00").unwrap();
        assert_eq!(offset.at, unix.at);
        assert!(StartAt::parse("tomorrow").is_err());
        assert!(StartAt::parse("12:00").is_err());
    }

    #[test]
    fn a_start_in_the_past_is_refused_beyond_the_slack() {
        let start = StartAt::parse("1772366400").unwrap();
        let at = start.at;
        let wait = start.wait_from(at - Duration::from_secs(3)).unwrap();
        assert_eq!(wait, Duration::from_secs(3));
        assert_eq!(
            start.wait_from(at + Duration::from_secs(2)).unwrap(),
            Duration::ZERO
        );
        let e = start
            .wait_from(at + Duration::from_secs(60))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--start-at 1772366400") && e.contains("60.0 s ago"),
            "{e}"
        );
    }
}
