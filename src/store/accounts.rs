//! Accounts written while no server runs: how the first operator comes to be (`bang account
//! add --operator`), and how an operator locked out of every login gets back in. The data
//! directory's lock (and, on PostgreSQL, the database's advisory lock) keeps this from racing a
//! running server.

use super::{Changes, Durability, Store, StoreUrl};
use bang_components::account::{Account, AccountRole, AccountSettings};
use bang_components::names::{name_key, normalise};
use bang_components::time::GameClock;
use std::path::Path;

/// Why an account could not be added.
#[derive(Debug, thiserror::Error)]
pub enum AddAccountError {
    #[error("{0}")]
    Invalid(String),
    #[error(
        "an account named '{0}' (or one that looks like it) exists; use --replace to reset its password"
    )]
    Exists(String),
    #[error("{0}")]
    Store(#[from] super::StoreError),
}

/// Adds an account (or, with `replace`, sets an existing one's password and role, ending its
/// logins) to the SQLite store in `data`.
pub fn add_account(
    data: &Path,
    name: &str,
    password: &str,
    role: AccountRole,
    replace: bool,
) -> Result<Account, AddAccountError> {
    add_account_in(&StoreUrl::Sqlite, data, name, password, role, replace)
}

/// [`add_account`] on the store `url` names, with `data` as the data directory.
pub fn add_account_in(
    url: &StoreUrl,
    data: &Path,
    name: &str,
    password: &str,
    role: AccountRole,
    replace: bool,
) -> Result<Account, AddAccountError> {
    let field = Some(name.to_string());
    bang_components::api::fields::check_name("username", &field, 32)
        .map_err(AddAccountError::Invalid)?;
    let min = AccountSettings::default().min_password_chars;
    if password.chars().count() < min {
        return Err(AddAccountError::Invalid(format!(
            "password must be at least {min} characters"
        )));
    }
    let mut store = Store::open_url(url, data, Durability::Full)?;
    let (accounts, logins) = store.load_accounts()?;
    let existing = accounts
        .into_iter()
        .find(|a| name_key(&a.name) == name_key(name));
    if existing.is_some() && !replace {
        return Err(AddAccountError::Exists(name.to_string()));
    }
    let hash = bang_systems::accounts::passwords::hash(password)
        .ok_or_else(|| AddAccountError::Invalid("password hashing failed".into()))?;
    let now = GameClock::System.now();
    let account = match existing {
        Some(mut a) => {
            a.password_hash = hash;
            a.password_changed_at = now;
            a.role = role;
            a
        }
        None => Account {
            name: normalise(name),
            role,
            password_hash: hash,
            characters: Default::default(),
            created_at: now,
            password_changed_at: now,
        },
    };
    let mut changes = Changes::default();
    changes
        .accounts
        .push((account.name.clone(), Some(account.clone())));
    changes.logins.extend(
        logins
            .into_iter()
            .filter(|l| l.account == account.name)
            .map(|l| (l.token_hash, None)),
    );
    store.commit(&mut changes)?;
    Ok(account)
}
