//! Abuse limits on accounts: failed logins per account and per address, registrations per
//! address, each a count of events within a sliding window (on the game clock, so tests move
//! time rather than wait).

use bang_components::account::AccountSettings;
use bang_components::api::ApiError;
use bang_components::time::Timestamp;
use bevy_ecs::prelude::*;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;

/// Event times per key, each list within its window.
#[derive(Debug)]
struct Window<K> {
    events: HashMap<K, VecDeque<Timestamp>>,
}

impl<K> Default for Window<K> {
    fn default() -> Self {
        Window {
            events: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq + Clone> Window<K> {
    /// Microseconds until `key` may act again, if it used up `limit` within `window`.
    fn wait(&mut self, key: &K, limit: usize, window: i64, now: Timestamp) -> Option<i64> {
        let list = self.events.get_mut(key)?;
        while list.front().is_some_and(|t| t.0 + window <= now.0) {
            list.pop_front();
        }
        if list.is_empty() {
            self.events.remove(key);
            return None;
        }
        (list.len() >= limit).then(|| list[list.len() - limit].0 + window - now.0)
    }

    fn record(&mut self, key: K, now: Timestamp) {
        self.events.entry(key).or_default().push_back(now);
    }

    fn forget(&mut self, key: &K) {
        self.events.remove(key);
    }

    /// Drops keys whose events all fell out of the window (keeps the maps bounded).
    fn prune(&mut self, window: i64, now: Timestamp) {
        self.events
            .retain(|_, list| list.back().is_some_and(|t| t.0 + window > now.0));
    }
}

/// Failed logins and registrations seen lately.
#[derive(Resource, Debug, Default)]
pub struct AuthLimits {
    failures_by_account: Window<String>,
    failures_by_address: Window<IpAddr>,
    registrations: Window<IpAddr>,
}

fn micros(secs: f64) -> i64 {
    (secs * 1e6) as i64
}

fn too_many(what: &str, wait: i64) -> ApiError {
    let secs = (wait + 999_999) / 1_000_000;
    let mut e = ApiError::new(429, format!("{what}; retry in {secs} s")).with_code("rate_limited");
    e.retry_after = Some(secs as u64);
    e
}

impl AuthLimits {
    /// Refuses a login attempt (429) while its account or address has too many recent failures.
    pub fn check_login(
        &mut self,
        s: &AccountSettings,
        account_key: &str,
        peer: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<(), ApiError> {
        let window = micros(s.login_failure_window_secs);
        let key = account_key.to_string();
        if let Some(w) =
            self.failures_by_account
                .wait(&key, s.login_failures_per_account, window, now)
        {
            return Err(too_many("Too many failed logins for this account", w));
        }
        if let Some(ip) = peer
            && let Some(w) =
                self.failures_by_address
                    .wait(&ip, s.login_failures_per_address, window, now)
        {
            return Err(too_many("Too many failed logins from this address", w));
        }
        Ok(())
    }

    pub fn login_failed(
        &mut self,
        s: &AccountSettings,
        key: &str,
        peer: Option<IpAddr>,
        now: Timestamp,
    ) {
        self.failures_by_account.record(key.to_string(), now);
        if let Some(ip) = peer {
            self.failures_by_address.record(ip, now);
        }
        self.prune(s, now);
    }

    /// A good login clears its account's failures (not its address's: one right password must
    /// not buy an address more guesses at other accounts).
    pub fn login_succeeded(&mut self, key: &str) {
        self.failures_by_account.forget(&key.to_string());
    }

    /// Refuses a registration (429) from an address that registered too many lately.
    pub fn check_registration(
        &mut self,
        s: &AccountSettings,
        peer: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<(), ApiError> {
        let Some(ip) = peer else { return Ok(()) };
        let window = micros(s.registration_window_secs);
        match self
            .registrations
            .wait(&ip, s.registrations_per_address, window, now)
        {
            Some(w) => Err(too_many(
                "Too many accounts registered from this address",
                w,
            )),
            None => Ok(()),
        }
    }

    pub fn registered(&mut self, s: &AccountSettings, peer: Option<IpAddr>, now: Timestamp) {
        if let Some(ip) = peer {
            self.registrations.record(ip, now);
        }
        self.prune(s, now);
    }

    fn prune(&mut self, s: &AccountSettings, now: Timestamp) {
        let login = micros(s.login_failure_window_secs);
        self.failures_by_account.prune(login, now);
        self.failures_by_address.prune(login, now);
        self.registrations
            .prune(micros(s.registration_window_secs), now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_lock_an_account_until_the_window_passes() {
        let s = AccountSettings::default();
        let mut l = AuthLimits::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t = |secs: i64| Timestamp(secs * 1_000_000);
        for i in 0..s.login_failures_per_account as i64 {
            assert!(l.check_login(&s, "ada", Some(ip), t(i)).is_ok());
            l.login_failed(&s, "ada", Some(ip), t(i));
        }
        let e = l.check_login(&s, "ada", Some(ip), t(10)).unwrap_err();
        assert_eq!(e.status, 429);
        // The first failure (at 0 s) leaves the 900 s window at 900 s: 890 s from 10 s.
        assert_eq!(e.retry_after, Some(890), "{}", e.detail);
        assert!(
            l.check_login(&s, "bob", Some(ip), t(10)).is_ok(),
            "other accounts"
        );
        assert!(
            l.check_login(&s, "ada", Some(ip), t(900)).is_ok(),
            "window passed"
        );
    }

    #[test]
    fn an_address_is_limited_across_accounts_and_registrations_per_address() {
        let s = AccountSettings::default();
        let mut l = AuthLimits::default();
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        for i in 0..s.login_failures_per_address {
            l.login_failed(&s, &format!("user{i}"), Some(ip), Timestamp(0));
        }
        let e = l
            .check_login(&s, "fresh", Some(ip), Timestamp(1))
            .unwrap_err();
        assert!(e.detail.contains("address"), "{}", e.detail);
        for _ in 0..s.registrations_per_address {
            l.check_registration(&s, Some(ip), Timestamp(0)).unwrap();
            l.registered(&s, Some(ip), Timestamp(0));
        }
        assert_eq!(
            l.check_registration(&s, Some(ip), Timestamp(5))
                .unwrap_err()
                .status,
            429
        );
        assert!(
            l.check_registration(&s, None, Timestamp(5)).is_ok(),
            "no address known"
        );
    }
}
