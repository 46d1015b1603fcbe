//! Requests and results of the account endpoints (`account.*`), in both dialects and over HTTP.

use super::fields::{MAX_ID_LEN, Validate, check_len, check_name};
use crate::account::{AccountRole, EndReason};
use crate::time::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Longest account name, in characters.
pub const MAX_USERNAME: usize = 32;
/// Longest password, in characters (argon2 takes any length; this bounds the work one request
/// can ask for).
pub const MAX_PASSWORD: usize = 1024;

/// `account.register`, `account.login`; `account.create` (operators: also `role`) and
/// `account.reset_password` (operators: `password` is the new one).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialsRequest {
    pub username: Option<String>,
    pub password: Option<String>,
    /// `account.create` only: `player` (default) or `operator`.
    pub role: Option<AccountRole>,
}

impl Validate for CredentialsRequest {
    fn validate(&self) -> Result<(), String> {
        check_name("username", &self.username, MAX_USERNAME)?;
        check_len("password", &self.password, MAX_PASSWORD)
    }
}

/// `account.logout`: this connection's login (or `token`'s), or with `all` every login of the
/// account.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    pub token: Option<String>,
    pub all: Option<bool>,
}

impl Validate for LogoutRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("token", &self.token, 256)
    }
}

/// `account.change_password`: the current password and the new one.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub password: Option<String>,
    pub new_password: Option<String>,
}

impl Validate for ChangePasswordRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("password", &self.password, MAX_PASSWORD)?;
        check_len("new_password", &self.new_password, MAX_PASSWORD)
    }
}

/// `account.move_character` (operators): give a character to an account.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveCharacterRequest {
    pub character_id: Option<String>,
    pub username: Option<String>,
}

impl Validate for MoveCharacterRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("username", &self.username, MAX_USERNAME)
    }
}

/// An account as its owner (or an operator) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AccountView {
    pub username: String,
    pub role: AccountRole,
    pub characters: Vec<String>,
    pub max_characters: usize,
    pub created_at: Timestamp,
}

/// `account.register` and `account.login`: the account and a session token. The token is
/// shown only here; send it as `token` in `join`, as `/ws?token=`, or as a Bearer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct LoginResult {
    pub account: AccountView,
    pub token: String,
    pub expires_at: Timestamp,
}

/// `account.logout`: how many logins ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct LogoutResult {
    pub logged_out: usize,
}

/// `account.create`, `account.reset_password`, `account.move_character` (operators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AccountChanged {
    pub account: AccountView,
    /// Logins the change ended (a reset ends them all).
    pub logged_out: usize,
}

/// `session.ended`: this connection no longer acts for a character, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SessionEnded {
    pub character_id: String,
    pub reason: EndReason,
    pub detail: String,
}
