//! Who a connection is: the account its login proves (if the login is still good), whether
//! that account may join a character, and whether it is an operator.

use super::tokens::token_hash;
use bang_components::account::{
    Account, AccountRole, AccountSettings, Accounts, AuthMode, EndReason, Login,
};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::CharacterIndex;
use bang_components::session::{CharacterTokens, ConnectionId, Sessions};
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;

/// The account a connection is logged in as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account: String,
    pub role: AccountRole,
    pub entity: Entity,
}

impl Principal {
    pub fn is_operator(&self) -> bool {
        self.role == AccountRole::Operator
    }
}

pub fn mode(world: &World) -> AuthMode {
    world
        .get_resource::<AuthMode>()
        .copied()
        .unwrap_or_default()
}

fn unauthenticated(detail: &str) -> ApiError {
    ApiError::new(401, detail).with_code("unauthenticated")
}

/// The login a token hash names, if it has not expired and its account still exists.
pub fn valid_login(world: &World, hash: &str) -> Option<(Login, Entity)> {
    let entity = world.get_resource::<Accounts>()?.login(hash)?;
    let login = world.get::<Login>(entity)?.clone();
    let now = world.resource::<GameClock>().now();
    if login.expires_at.0 <= now.0 {
        return None;
    }
    let account = world.resource::<Accounts>().find(&login.account)?;
    Some((login, account))
}

/// The account this connection is logged in as: 401 when it gave no token, or one that is
/// expired, revoked or unknown.
pub fn principal(world: &World, conn: ConnectionId) -> ApiResult<Principal> {
    let session = world.resource::<Sessions>().get(conn);
    let Some(hash) = session.and_then(|s| s.login.clone()) else {
        return Err(unauthenticated(
            "Log in first: account.login, or give your session token as `token`",
        ));
    };
    let (_, entity) = valid_login(world, &hash)
        .ok_or_else(|| unauthenticated("Session token is expired, revoked or unknown"))?;
    let account = world.get::<Account>(entity).expect("indexed account");
    Ok(Principal {
        account: account.name.clone(),
        role: account.role,
        entity,
    })
}

/// The operator this connection is logged in as (`None` in open mode, where operators are not
/// accounts). Accounts mode: 401 without a login, 403 for a player's.
pub fn operator(world: &World, conn: ConnectionId) -> ApiResult<Option<Principal>> {
    if mode(world) == AuthMode::Open {
        return Ok(None);
    }
    let who = principal(world, conn)?;
    if !who.is_operator() {
        return Err(
            ApiError::new(403, "This endpoint needs an operator account").with_code("not_operator"),
        );
    }
    Ok(Some(who))
}

/// Logs the connection in with a token it presents (at `join`, or when it connected); the
/// token is checked where it is used.
pub fn present_token(world: &mut World, conn: ConnectionId, token: &str) {
    switch_login(world, conn, token_hash(token), false);
}

/// Puts a connection on a login. Moving from one login to another first ends the characters it
/// joined under the old one: they were the old account's to play, not necessarily the new one's
/// (and a later logout or password change of the old account would no longer find them).
/// `proved`: the login was just made from a password (not a token the client presented).
pub fn switch_login(world: &mut World, conn: ConnectionId, hash: String, proved: bool) {
    let Some(session) = world.resource::<Sessions>().get(conn) else {
        return;
    };
    if session.login.as_ref().is_some_and(|old| *old != hash) {
        let joined: Vec<String> = session.controlled.iter().cloned().collect();
        for character in joined {
            super::ending::end_session(world, conn, &character, EndReason::LoggedOut);
        }
    }
    if let Some(s) = world.resource_mut::<Sessions>().get_mut(conn) {
        s.login = Some(hash);
        s.proved_login = proved;
    }
}

/// What a `join` may do, once allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinGrant {
    /// Open mode: anyone, anything.
    Open,
    /// Accounts mode: the account joining, and whether it is an operator (who alone may set
    /// state through `join`'s own fields).
    Account(Principal),
}

/// Whether this connection may join `character`. Open mode: the configured character tokens, if
/// any. Accounts mode: a valid login of the character's owner (or of an operator); a character
/// nobody has yet is created for the account, up to its maximum, unless it looks like another's
/// name. `state_fields` names the state-setting fields the request gave (`credits`, `sector`).
pub fn check_join(
    world: &mut World,
    conn: ConnectionId,
    character: &str,
    token: Option<&str>,
    state_fields: &[&str],
) -> ApiResult<JoinGrant> {
    if mode(world) == AuthMode::Open {
        check_character_token(world, character, token)?;
        return Ok(JoinGrant::Open);
    }
    if let Some(token) = token {
        present_token(world, conn, token);
    }
    let who = principal(world, conn)?;
    if let Some(field) = state_fields.first().filter(|_| !who.is_operator()) {
        return Err(
            ApiError::new(403, format!("{field} may be set only by an operator"))
                .with_code("operator_only_field"),
        );
    }
    if is_corporation_ship(world, character) {
        // Flown by members: the actor was checked (a member, of this account) before.
        return Ok(JoinGrant::Account(who));
    }
    let exists = known(world, character);
    let owner = world
        .resource::<Accounts>()
        .owner_of(character)
        .map(str::to_string);
    match (exists, owner) {
        (_, Some(owner)) if owner == who.account || who.is_operator() => {}
        (_, Some(_)) => return Err(not_yours(character, "belongs to another account")),
        (true, None) if who.is_operator() => {}
        (true, None) => {
            return Err(not_yours(
                character,
                "belongs to no account; an operator can give it to yours",
            ));
        }
        (false, None) => check_new_character(world, &who, character)?,
    }
    Ok(JoinGrant::Account(who))
}

fn not_yours(character: &str, why: &str) -> ApiError {
    ApiError::new(403, format!("Character '{character}' {why}")).with_code("not_your_character")
}

/// A new character: within the account's maximum, and not a look-alike of a character that
/// exists (`Trent` beside `trent`).
fn check_new_character(world: &World, who: &Principal, character: &str) -> ApiResult<()> {
    if let Some(other) = world.resource::<CharacterIndex>().look_alike(character) {
        return Err(ApiError::new(
            409,
            format!("character_id '{character}' looks like the existing character '{other}'"),
        )
        .with_code("name_taken"));
    }
    check_room(world, who)
}

/// Refuses (403) a player's account that owns its maximum of characters already.
pub fn check_room(world: &World, who: &Principal) -> ApiResult<()> {
    let max = world.resource::<AccountSettings>().max_characters;
    let owned = world
        .get::<Account>(who.entity)
        .map_or(0, |a| a.characters.len());
    if owned >= max && !who.is_operator() {
        return Err(ApiError::new(
            403,
            format!(
                "Account '{}' already has {owned} characters (max {max})",
                who.account
            ),
        )
        .with_code("too_many_characters"));
    }
    Ok(())
}

/// Open mode with `character_tokens` configured: only listed characters, with their token.
fn check_character_token(world: &World, character: &str, token: Option<&str>) -> ApiResult<()> {
    let tokens = &world.resource::<CharacterTokens>().0;
    if tokens.is_empty() {
        return Ok(());
    }
    match tokens.get(character) {
        Some(want) if Some(want.as_str()) == token => Ok(()),
        _ => Err(ApiError::new(
            403,
            format!("Invalid or missing token for character '{character}'"),
        )
        .with_code("bad_token")),
    }
}

/// Records a character that a join created as the joining account's.
pub fn claim(world: &mut World, grant: &JoinGrant, character: &str) {
    let JoinGrant::Account(who) = grant else {
        return;
    };
    if world.resource::<Accounts>().owner_of(character).is_some() {
        return;
    }
    if let Some(mut account) = world.get_mut::<Account>(who.entity) {
        account.characters.insert(character.to_string());
    }
    world
        .resource_mut::<Accounts>()
        .set_owner(character, Some(&who.account));
}

/// Whether joining is restricted (accounts, or character tokens): then a character's events,
/// names and control belong to the connections that joined it, and a new join takes it over.
/// In plain open play anyone may join anyone, and connections share characters freely (the
/// 2026-01 suite listens on one connection while acting on another).
pub fn joining_restricted(world: &World) -> bool {
    mode(world) == AuthMode::Accounts || !world.resource::<CharacterTokens>().0.is_empty()
}

/// Accounts mode: a connection may listen to (identify, subscribe) only characters of its
/// account (any, for an operator); names that are no character are refused.
pub fn check_listen(world: &World, conn: ConnectionId, character: &str) -> ApiResult<()> {
    if mode(world) == AuthMode::Open {
        return Ok(());
    }
    let who = principal(world, conn)?;
    let exists = world.resource::<CharacterIndex>().get(character).is_some();
    let owner = world.resource::<Accounts>().owner_of(character);
    if who.is_operator() && exists || owner == Some(who.account.as_str()) {
        return Ok(());
    }
    Err(not_yours(character, "is not a character of your account"))
}

/// Whether a character exists: in the world, or registered (the 2026-01 rules' registry, its
/// seed files included) and not yet joined. Such a character is an operator's to give, not the
/// first joiner's to take.
pub fn known(world: &World, character: &str) -> bool {
    world.resource::<CharacterIndex>().get(character).is_some()
        || world
            .get_resource::<bang_components::registry::Registry>()
            .is_some_and(|r| r.get(character).is_some())
}

fn is_corporation_ship(world: &World, character: &str) -> bool {
    world
        .get_resource::<bang_components::corporation::Corporations>()
        .is_some_and(|c| c.owning_ship(character).is_some())
}

/// Accounts mode: the actor a request names for a corporation ship must be a character of the
/// connection's account (or the caller an operator).
pub fn check_actor(world: &World, conn: ConnectionId, actor: &str) -> ApiResult<()> {
    if mode(world) == AuthMode::Open {
        return Ok(());
    }
    let who = principal(world, conn)?;
    let owner = world.resource::<Accounts>().owner_of(actor);
    if who.is_operator() || owner == Some(who.account.as_str()) {
        return Ok(());
    }
    Err(ApiError::new(
        403,
        format!("Actor '{actor}' is not a character of your account"),
    )
    .with_code("not_your_character"))
}
