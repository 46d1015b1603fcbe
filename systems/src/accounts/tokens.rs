//! Session tokens: 256 random bits from the operating system, shown once to the client; the
//! server keeps only their BLAKE2b hash, so a copy of the database logs nobody in.

use blake2::{Blake2b256, Digest};
use std::fmt::Write;

/// What every token starts with (so one is recognised in a log or a config file).
pub const PREFIX: &str = "bang_";

/// A new token, or `None` when the operating system has no randomness to give.
pub fn new_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(format!("{PREFIX}{}", hex(&bytes)))
}

/// The hash a token is kept and looked up by.
pub fn token_hash(token: &str) -> String {
    hex(&Blake2b256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed_stably() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX) && a.len() == PREFIX.len() + 64, "{a}");
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(token_hash(&a).len(), 64);
    }
}
