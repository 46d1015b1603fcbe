//! Accounts: who owns which characters, and the logins (session tokens) that prove it. In
//! `auth = "open"` play nobody needs one; in `auth = "accounts"` a connection acts only for the
//! characters of the account it logged in as (or for any, as an operator).
//!
//! Accounts and logins are entities (`Account`, `Login`), kept by the store as one row each;
//! `Accounts` finds them by name, by the hash of a token, and finds a character's owner.

use crate::time::Timestamp;
use bevy_ecs::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// Whether joining a character needs its owner's login.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Anyone may join any character (local play, the reference clients and suites).
    #[default]
    Open,
    /// Characters belong to accounts; joining one needs a login of its owner.
    Accounts,
}

impl AuthMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Open => "open",
            AuthMode::Accounts => "accounts",
        }
    }
}

/// What an account may do beyond playing its own characters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AccountRole {
    #[default]
    Player,
    /// Calls operator endpoints, creates accounts, resets passwords, moves characters, joins
    /// any character, and sets state through `join`'s own fields.
    Operator,
}

/// A player's (or operator's) account.
#[derive(Component, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// As registered (NFC); looked up through `name_key`.
    pub name: String,
    pub role: AccountRole,
    /// argon2id, as a PHC string (algorithm, parameters and salt included).
    pub password_hash: String,
    pub characters: BTreeSet<String>,
    pub created_at: Timestamp,
    /// Logins made before this are void (a password change ends every session).
    pub password_changed_at: Timestamp,
}

/// One login: a session token's hash (the token itself is never kept), its account, its expiry.
#[derive(Component, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    pub token_hash: String,
    pub account: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Finds accounts by name, logins by token hash, and characters' owners.
#[derive(Resource, Debug, Default)]
pub struct Accounts {
    by_key: HashMap<String, Entity>,
    logins: HashMap<String, Entity>,
    owners: HashMap<String, String>,
}

impl Accounts {
    /// Indexes an account (new or restored) and the characters it owns.
    pub fn index(&mut self, account: &Account, entity: Entity) {
        self.by_key
            .insert(crate::names::name_key(&account.name), entity);
        for c in &account.characters {
            self.owners.insert(c.clone(), account.name.clone());
        }
    }

    /// The account whose name is `name` or looks like it.
    pub fn find(&self, name: &str) -> Option<Entity> {
        self.by_key.get(&crate::names::name_key(name)).copied()
    }

    /// The account owning a character.
    pub fn owner_of(&self, character: &str) -> Option<&str> {
        self.owners.get(character).map(String::as_str)
    }

    pub fn set_owner(&mut self, character: &str, account: Option<&str>) {
        match account {
            Some(a) => self.owners.insert(character.to_string(), a.to_string()),
            None => self.owners.remove(character),
        };
    }

    pub fn index_login(&mut self, login: &Login, entity: Entity) {
        self.logins.insert(login.token_hash.clone(), entity);
    }

    pub fn login(&self, token_hash: &str) -> Option<Entity> {
        self.logins.get(token_hash).copied()
    }

    pub fn forget_login(&mut self, token_hash: &str) -> Option<Entity> {
        self.logins.remove(token_hash)
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

/// Account rules and abuse limits (`[accounts]` of the server config).
#[derive(Resource, Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountSettings {
    /// Characters one account may own.
    pub max_characters: usize,
    /// How long a login lasts, seconds.
    pub session_ttl_secs: f64,
    /// Whether anyone may `account.register` (otherwise only operators create accounts).
    pub open_registration: bool,
    /// Shortest password, in characters.
    pub min_password_chars: usize,
    /// Failed logins allowed per account, and per address, within the window.
    pub login_failures_per_account: usize,
    pub login_failures_per_address: usize,
    pub login_failure_window_secs: f64,
    /// Accounts one address may register within the window.
    pub registrations_per_address: usize,
    pub registration_window_secs: f64,
    /// A bearer token for `/metrics` alone (operators' logins work too).
    pub metrics_token: Option<String>,
}

impl Default for AccountSettings {
    fn default() -> Self {
        AccountSettings {
            max_characters: 5,
            session_ttl_secs: 7.0 * 86_400.0,
            open_registration: true,
            min_password_chars: 8,
            login_failures_per_account: 5,
            login_failures_per_address: 20,
            login_failure_window_secs: 900.0,
            registrations_per_address: 5,
            registration_window_secs: 3600.0,
            metrics_token: None,
        }
    }
}

impl AccountSettings {
    /// Refuses settings that cannot work: the key and what it must be.
    pub fn check(&self) -> Result<(), (&'static str, &'static str)> {
        let secs = |v: f64| v.is_finite() && v > 0.0 && v <= 366.0 * 86_400.0;
        if !secs(self.session_ttl_secs) {
            return Err(("accounts.session_ttl_secs", "seconds in (0, 31622400]"));
        }
        if !secs(self.login_failure_window_secs) {
            return Err((
                "accounts.login_failure_window_secs",
                "seconds in (0, 31622400]",
            ));
        }
        if !secs(self.registration_window_secs) {
            return Err((
                "accounts.registration_window_secs",
                "seconds in (0, 31622400]",
            ));
        }
        if self.max_characters == 0 {
            return Err(("accounts.max_characters", "at least 1"));
        }
        Ok(())
    }

    pub fn session_ttl_micros(&self) -> i64 {
        (self.session_ttl_secs * 1e6) as i64
    }
}

/// Why a connection no longer acts for a character it had joined (told to it in
/// `session.ended`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The character was joined on another connection.
    JoinedElsewhere,
    /// The login it was joined with was ended (`account.logout`, a password change or reset).
    LoggedOut,
    /// The login it was joined with expired.
    LoginExpired,
    /// An operator gave the character to another account.
    OwnerChanged,
}

impl EndReason {
    pub fn explain(self) -> &'static str {
        match self {
            EndReason::JoinedElsewhere => "the character was joined on another connection",
            EndReason::LoggedOut => "the login this connection used was ended",
            EndReason::LoginExpired => "the login this connection used expired",
            EndReason::OwnerChanged => "the character was given to another account",
        }
    }
}
