//! Password hashing off the game loop. argon2id is slow by design (~20 ms and 19 MiB a hash):
//! run on the game thread it would stall every player's tick, so a worker thread hashes and
//! verifies, and the game picks the outcomes up on a later update (`finish_password_work`) and
//! answers the requests that waited for them.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use bevy_ecs::prelude::*;
use crossbeam_channel::{Receiver, Sender, TrySendError, bounded, unbounded};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Password work waiting for the worker at most; past it, 503 (a burst of logins cannot queue
/// without bound).
pub const MAX_QUEUED: usize = 64;

/// What the worker is asked to do.
#[derive(Debug)]
pub enum Work {
    Hash {
        password: String,
    },
    /// `hash` is `None` for an unknown account: a dummy hash is checked instead, so the answer
    /// takes as long as for a real one (no account enumeration by timing).
    Verify {
        password: String,
        hash: Option<String>,
    },
    /// Verify `password`, then hash `new_password` if it matched.
    Change {
        password: String,
        hash: String,
        new_password: String,
    },
}

/// What the worker found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Hashed(String),
    Verified(bool),
    /// The new hash, or `None` when the old password did not match.
    Changed(Option<String>),
    /// Hashing itself failed (out of memory, no randomness for a salt).
    Failed,
}

/// The worker's queue, and what the game will do with each outcome (`S`).
#[derive(Resource)]
pub struct PasswordWork<S: Send + Sync + 'static> {
    jobs: Sender<(u64, Work)>,
    done: Receiver<(u64, Outcome)>,
    next: u64,
    waiting: HashMap<u64, S>,
}

/// The worker is busy with `MAX_QUEUED` jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

impl<S: Send + Sync + 'static> PasswordWork<S> {
    /// Starts the worker thread; it ends when this is dropped.
    pub fn start() -> Self {
        let (jobs, rx) = bounded::<(u64, Work)>(MAX_QUEUED);
        let (tx, done) = unbounded();
        std::thread::Builder::new()
            .name("bang-passwords".into())
            .spawn(move || {
                for (ticket, work) in rx {
                    if tx.send((ticket, perform(work))).is_err() {
                        return;
                    }
                }
            })
            .expect("spawn the password worker");
        PasswordWork {
            jobs,
            done,
            next: 0,
            waiting: HashMap::new(),
        }
    }

    /// Queues work; `then` is handed back with its outcome.
    pub fn submit(&mut self, work: Work, then: S) -> Result<(), Busy> {
        let ticket = self.next;
        match self.jobs.try_send((ticket, work)) {
            Ok(()) => {
                self.next += 1;
                self.waiting.insert(ticket, then);
                Ok(())
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(Busy),
        }
    }

    /// Outcomes ready now, in the order the work was submitted.
    pub fn finished(&mut self) -> Vec<(S, Outcome)> {
        let mut ready: Vec<(u64, Outcome)> = self.done.try_iter().collect();
        ready.sort_by_key(|(t, _)| *t);
        ready
            .into_iter()
            .filter_map(|(t, o)| self.waiting.remove(&t).map(|s| (s, o)))
            .collect()
    }

    /// Work submitted and not yet picked up.
    pub fn pending(&self) -> usize {
        self.waiting.len()
    }
}

/// Hashes a password as argon2id with the crate's defaults (RFC 9106's second recommendation).
pub fn hash(password: &str) -> Option<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .ok()
        .map(|h| h.to_string())
}

/// Whether `password` matches a stored PHC hash (parameters read from the hash).
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash of a password nobody has, checked in place of an unknown account's.
fn dummy() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash("no account has this password").unwrap_or_default())
}

fn perform(work: Work) -> Outcome {
    match work {
        Work::Hash { password } => hash(&password).map_or(Outcome::Failed, Outcome::Hashed),
        Work::Verify { password, hash } => match hash {
            Some(h) => Outcome::Verified(verify(&password, &h)),
            None => {
                let _ = verify(&password, dummy());
                Outcome::Verified(false)
            }
        },
        Work::Change {
            password,
            hash: stored,
            new_password,
        } => match verify(&password, &stored) {
            false => Outcome::Changed(None),
            true => hash(&new_password).map_or(Outcome::Failed, |h| Outcome::Changed(Some(h))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify_only_their_password() {
        let a = hash("correct horse").unwrap();
        let b = hash("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("correct horse", &a));
        assert!(!verify("correct hors", &a));
        assert!(!verify("correct horse", "not a hash"));
    }

    #[test]
    fn the_worker_answers_in_submission_order() {
        let mut work = PasswordWork::<&'static str>::start();
        let stored = hash("pw-one").unwrap();
        work.submit(
            Work::Verify {
                password: "pw-one".into(),
                hash: Some(stored.clone()),
            },
            "right",
        )
        .unwrap();
        work.submit(
            Work::Verify {
                password: "pw-two".into(),
                hash: Some(stored),
            },
            "wrong",
        )
        .unwrap();
        work.submit(
            Work::Verify {
                password: "x".into(),
                hash: None,
            },
            "nobody",
        )
        .unwrap();
        let mut got = Vec::new();
        while got.len() < 3 {
            got.extend(work.finished());
            std::thread::yield_now();
        }
        assert_eq!(
            got,
            vec![
                ("right", Outcome::Verified(true)),
                ("wrong", Outcome::Verified(false)),
                ("nobody", Outcome::Verified(false)),
            ]
        );
        assert_eq!(work.pending(), 0);
    }
}
